namespace TradingPlatform.Candles;

/// <summary>
/// Deterministic synthetic bars for demos, tests and benchmarks: a seeded geometric Brownian motion. The same seed and
/// arguments give the same bars on every run and machine (our own PRNG, xoshiro256**, not <see cref="Random"/> whose
/// algorithm is not promised), so a backtest on them can be pinned like one on real data.
/// </summary>
/// <remarks>
/// Bars follow each other without gaps (the clock runs 24/7) and are continuous: the open of bar t is the close of bar
/// t−1. Within a bar the price takes <see cref="StepsPerBar"/> GBM steps; high and low are the extremes of that path
/// (and of open and close), so every bar is valid: low ≤ open, close ≤ high. Prices are rounded to cents and never
/// fall below 0.01; volume is a whole number around 1,000 per minute of bar.
/// </remarks>
public static class SyntheticCandles
{
    public const int StepsPerBar = 4;
    private const double DaysPerYear = 365.25;

    /// <param name="seed">Any value; equal seeds give equal bars.</param>
    /// <param name="startUtc">Time of the first bar: must be the start of a bar of <paramref name="timeframe"/>.</param>
    /// <param name="drift">Annual drift μ (0.05 = 5 % a year).</param>
    /// <param name="volatility">Annual volatility σ (0.2 = 20 %).</param>
    public static IEnumerable<Candle> Generate(long seed, DateTime startUtc, Timeframe timeframe, int count,
        decimal startPrice = 100m, double drift = 0.05, double volatility = 0.2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(startPrice, 0m);
        ArgumentOutOfRangeException.ThrowIfNegative(volatility);
        if (!double.IsFinite(drift)) throw new ArgumentOutOfRangeException(nameof(drift), drift, "Must be finite.");
        if (!double.IsFinite(volatility)) throw new ArgumentOutOfRangeException(nameof(volatility), volatility, "Must be finite.");
        startUtc = DateTime.SpecifyKind(startUtc, DateTimeKind.Utc);
        if (!timeframe.IsAligned(startUtc))
            throw new ArgumentException(CandleRules.Unaligned(timeframe, startUtc), nameof(startUtc));
        var last = startUtc.AddTicks(timeframe.Length().Ticks * Math.Max(0, count - 1L));
        if (last > DateTime.MaxValue.AddTicks(-timeframe.Length().Ticks)) throw new ArgumentOutOfRangeException(nameof(count), count, "The bars would run past year 9999.");
        return Iterate(seed, startUtc, timeframe, count, Cents(startPrice), drift, volatility);
    }

    private static IEnumerable<Candle> Iterate(long seed, DateTime startUtc, Timeframe timeframe, int count, decimal open, double drift, double volatility)
    {
        var random = new Xoshiro256(seed);
        var step = timeframe.Length().TotalDays / DaysPerYear / StepsPerBar;
        var driftPerStep = (drift - volatility * volatility / 2) * step;
        var shockPerStep = volatility * Math.Sqrt(step);
        var baseVolume = 1_000 * timeframe.Length().TotalMinutes;
        var time = startUtc;
        for (var i = 0; i < count; i++)
        {
            var price = (double)open;
            double high = price, low = price;
            for (var s = 0; s < StepsPerBar; s++)
            {
                price *= Math.Exp(driftPerStep + shockPerStep * random.NextGaussian());
                high = Math.Max(high, price);
                low = Math.Min(low, price);
            }
            var close = Cents(price);
            var volume = Math.Round((decimal)(baseVolume * Math.Exp(0.5 * random.NextGaussian())), 0, MidpointRounding.ToEven);
            yield return new Candle(time,
                open,
                Math.Max(Math.Max(open, close), Cents(high)),
                Math.Min(Math.Min(open, close), Cents(low)),
                close,
                volume);
            open = close;
            time = time.AddTicks(timeframe.Length().Ticks);
        }
    }

    private static decimal Cents(double price) =>
        price >= 0.01 && double.IsFinite(price)
            ? Cents(price < 1e12 ? (decimal)price : 1e12m)
            : 0.01m;

    /// <summary>Rounded to cents and written with two decimals (adding 0.00m sets the scale), never below 0.01.</summary>
    private static decimal Cents(decimal price) => Math.Max(0.01m, Math.Round(price, 2, MidpointRounding.ToEven)) + 0.00m;

    /// <summary>xoshiro256** (Blackman and Vigna), seeded through splitmix64: small, fast and fixed forever.</summary>
    private sealed class Xoshiro256
    {
        private ulong _s0, _s1, _s2, _s3;
        private double? _spare;

        public Xoshiro256(long seed)
        {
            var x = unchecked((ulong)seed);
            _s0 = SplitMix(ref x);
            _s1 = SplitMix(ref x);
            _s2 = SplitMix(ref x);
            _s3 = SplitMix(ref x);
        }

        public ulong Next()
        {
            var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
            var t = _s1 << 17;
            _s2 ^= _s0;
            _s3 ^= _s1;
            _s1 ^= _s2;
            _s0 ^= _s3;
            _s2 ^= t;
            _s3 = ulong.RotateLeft(_s3, 45);
            return result;
        }

        /// <summary>Uniform in (0, 1]: never 0, so the logarithm below is finite.</summary>
        public double NextDouble() => ((Next() >> 11) + 1) * (1.0 / (1UL << 53));

        /// <summary>Standard normal by Box–Muller; the second value of each pair is kept for the next call.</summary>
        public double NextGaussian()
        {
            if (_spare is { } spare)
            {
                _spare = null;
                return spare;
            }
            var radius = Math.Sqrt(-2.0 * Math.Log(NextDouble()));
            var angle = 2.0 * Math.PI * NextDouble();
            _spare = radius * Math.Sin(angle);
            return radius * Math.Cos(angle);
        }

        private static ulong SplitMix(ref ulong x)
        {
            var z = x += 0x9E3779B97F4A7C15UL;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }
    }
}
