using TradingPlatform.Candles;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Tests.Backtesting;

/// <summary>Bars and signals made by hand or from a seed for the backtest tests.</summary>
internal static class TestBars
{
    public static readonly DateTime Start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>One bar a day from <see cref="Start"/>, from (open, close) pairs; high and low straddle them.</summary>
    public static Candle[] Daily(params (decimal Open, decimal Close)[] prices) =>
        [.. prices.Select((p, i) => new Candle(Start.AddDays(i), p.Open, Math.Max(p.Open, p.Close), Math.Min(p.Open, p.Close), p.Close, 100m))];

    /// <summary>
    /// <paramref name="count"/> continuous bars <paramref name="step"/> apart from <see cref="Start"/>: a seeded geometric
    /// random walk of the close (log steps of 1 %), prices rounded to cents, each bar opening at the previous close.
    /// </summary>
    public static Candle[] RandomWalk(int count, int seed, TimeSpan step, decimal first = 100m)
    {
        var random = new Random(seed);
        var bars = new Candle[count];
        var close = (double)first;
        var open = first;
        for (var i = 0; i < count; i++)
        {
            close *= Math.Exp(0.01 * Normal(random));
            var closePrice = Math.Max(0.01m, Math.Round((decimal)close, 2));
            bars[i] = new Candle(Start + step * i, open, Math.Max(open, closePrice), Math.Min(open, closePrice), closePrice, 1_000m);
            open = closePrice;
        }
        return bars;
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    public static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}

/// <summary>A signal that emits given targets on given prices (0-based count of prices fed), whatever the prices are.</summary>
internal sealed class ScriptedSignal(params (int Index, decimal Target)[] script) : ISignal
{
    private readonly Dictionary<int, decimal> _targets = script.ToDictionary(s => s.Index, s => s.Target);
    private int _count;

    /// <summary>The prices fed so far, in order.</summary>
    public List<decimal> Prices { get; } = [];

    public decimal? OnPrice(decimal price)
    {
        Prices.Add(price);
        return _targets.TryGetValue(_count++, out var target) ? target : null;
    }
}
