using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.Strategies;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Tests.Backtesting;

/// <summary>
/// Nothing about a bar may influence what happened before it. Run a series, then replace every bar after index k with
/// random prices and run again: everything up to the boundary must be identical.
/// </summary>
/// <remarks>
/// The boundary: the decision at bar k uses closes 0..k and fills at bar k+1's open. So
/// <list type="bullet">
/// <item>when bars k+1.. change completely (bar k+1's open included), fills at bars ≤ k are identical in every field,
/// and a fill at bar k+1 has the same time, side and quantity (the decision) but is priced at the new open;</item>
/// <item>when bar k+1 keeps its open and only the rest changes, the fill at bar k+1 is identical too;</item>
/// <item>daily equity up to the day of bar k is identical (here one bar is one day).</item>
/// </list>
/// A look-ahead of even one bar (deciding with close k+1, or filling at a later price) breaks one of these.
/// </remarks>
public sealed class NoLookAheadTests
{
    private const int Count = 400;

    public static TheoryData<string> Kinds => ["sma_cross", "mean_reversion", "breakout"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Changing_every_bar_after_k_leaves_every_fill_before_k_plus_1_and_the_decision_at_k_unchanged(string kind)
    {
        var bars = TestBars.RandomWalk(Count, seed: 42, TimeSpan.FromDays(1));
        var original = Run(kind, bars);
        var decisionsAtBoundary = 0;

        foreach (var k in Boundaries(original, bars))
        {
            var changed = WithRandomFuture(bars, k, keepNextOpen: false, seed: k);
            var rerun = Run(kind, changed);

            var boundary = bars[k + 1].TimeUtc;
            Assert.Equal(original.Trades.Where(t => t.TimeUtc < boundary), rerun.Trades.Where(t => t.TimeUtc < boundary));
            var before = original.Trades.SingleOrDefault(t => t.TimeUtc == boundary);
            var after = rerun.Trades.SingleOrDefault(t => t.TimeUtc == boundary);
            Assert.Equal(before is null, after is null);
            if (before is not null)
            {
                decisionsAtBoundary++;
                Assert.Equal((before.Side, before.Quantity, before.PositionAfter), (after!.Side, after.Quantity, after.PositionAfter));
                Assert.NotEqual(before.Price, after.Price); // priced at the new open: the test did change it
            }
            Assert.Equal(original.EquityCurve.Take(k + 1), rerun.EquityCurve.Take(k + 1));
        }

        Assert.True(decisionsAtBoundary >= 3, $"only {decisionsAtBoundary} boundaries had a fill at k+1: the test would not see a one-bar look-ahead");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Changing_everything_after_k_but_the_next_open_leaves_every_fill_up_to_k_plus_1_identical(string kind)
    {
        var bars = TestBars.RandomWalk(Count, seed: 7, TimeSpan.FromDays(1));
        var original = Run(kind, bars);
        var decisionsAtBoundary = 0;

        foreach (var k in Boundaries(original, bars))
        {
            var rerun = Run(kind, WithRandomFuture(bars, k, keepNextOpen: true, seed: 1_000 + k));

            var boundary = bars[k + 1].TimeUtc;
            var kept = original.Trades.Where(t => t.TimeUtc <= boundary).ToArray();
            Assert.Equal(kept, rerun.Trades.Where(t => t.TimeUtc <= boundary));
            if (kept.Length > 0 && kept[^1].TimeUtc == boundary) decisionsAtBoundary++;
        }

        Assert.True(decisionsAtBoundary >= 3, $"only {decisionsAtBoundary} boundaries had a fill at k+1");
    }

    /// <summary>Every bar that decided a fill (fill at k+1), and the bars right before and after those, plus a few others.</summary>
    private static IEnumerable<int> Boundaries(BacktestResult result, Candle[] bars)
    {
        var index = bars.Select((b, i) => (b.TimeUtc, i)).ToDictionary(x => x.TimeUtc, x => x.i);
        var decided = result.Trades.Select(t => index[t.TimeUtc] - 1).ToArray();
        Assert.NotEmpty(decided);
        return decided.SelectMany(k => new[] { k - 1, k, k + 1 }).Concat([0, 25, 150, Count - 3])
            .Where(k => k >= 0 && k < Count - 1).Distinct().Order();
    }

    /// <summary>The bars with every bar after <paramref name="k"/> replaced by a fresh random walk (same times).</summary>
    private static Candle[] WithRandomFuture(Candle[] bars, int k, bool keepNextOpen, int seed)
    {
        var future = TestBars.RandomWalk(bars.Length - k - 1, seed: seed + 12_345, TimeSpan.FromDays(1), first: bars[k].Close * 1.3m);
        var changed = (Candle[])bars.Clone();
        for (var i = k + 1; i < bars.Length; i++)
        {
            var bar = future[i - k - 1] with { TimeUtc = bars[i].TimeUtc };
            // A random walk from a different level: the first open differs from bars[k+1].Open unless kept on purpose.
            if (i == k + 1) bar = bar with { Open = keepNextOpen ? bars[i].Open : bars[k].Close * 1.3m };
            changed[i] = bar;
        }
        return changed;
    }

    private static BacktestResult Run(string kind, Candle[] bars)
    {
        var parameters = kind switch
        {
            "sma_cross" => new Dictionary<string, decimal> { ["fast"] = 3, ["slow"] = 10, ["quantity"] = 5 },
            "mean_reversion" => new Dictionary<string, decimal> { ["window"] = 10, ["k"] = 1.5m, ["quantity"] = 5 },
            "breakout" => new Dictionary<string, decimal> { ["lookback"] = 8, ["quantity"] = 5 },
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
        };
        var engine = new BacktestEngine(SignalFactory.Create(StrategyRules.Kinds[kind], parameters), new BacktestSettings(100_000m, 5m, 10m));
        engine.Run(bars);
        return engine.Complete();
    }
}
