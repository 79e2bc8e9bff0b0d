using TradingPlatform.Candles;

namespace TradingPlatform.Benchmarks.Engine;

/// <summary>Deterministic synthetic one-minute bars: a seeded geometric random walk, prices in cents.</summary>
public static class SyntheticBars
{
    /// <summary>
    /// <paramref name="count"/> continuous one-minute bars from 2020-01-01 00:00 UTC (every minute, 1,440 a day):
    /// each bar opens at the previous close, the close follows log-normal steps of 0.05 % (about 19 % a day), and
    /// high/low straddle open and close by a few cents. The same seed gives the same bars.
    /// </summary>
    public static Candle[] Generate(int count, int seed)
    {
        var random = new Random(seed);
        var bars = new Candle[count];
        var start = new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var close = 100.0;
        var open = 100m;
        for (var i = 0; i < count; i++)
        {
            close *= Math.Exp(0.0005 * Normal(random));
            var closePrice = Math.Max(0.01m, Math.Round((decimal)close, 2));
            var high = Math.Max(open, closePrice) + 0.02m;
            var low = Math.Max(0.01m, Math.Min(open, closePrice) - 0.02m);
            bars[i] = new Candle(start.AddMinutes(i), open, high, low, closePrice, 1_000m);
            open = closePrice;
        }
        return bars;
    }

    /// <summary>A standard normal draw (Box-Muller).</summary>
    private static double Normal(Random random)
    {
        var u1 = 1.0 - random.NextDouble();
        var u2 = random.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
