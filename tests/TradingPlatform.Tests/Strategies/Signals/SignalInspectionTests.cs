using TradingPlatform.Strategies;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Tests.Strategies.Signals;

/// <summary><see cref="ISignal.Inspect"/>: what each kind says about itself for diagnostics, and that asking changes nothing.</summary>
public sealed class SignalInspectionTests
{
    [Fact]
    public void Sma_cross_reports_its_warm_up_its_averages_and_the_side_it_is_on()
    {
        var signal = SignalFactory.Create(StrategyKind.SmaCross, new Dictionary<string, decimal> { ["fast"] = 2, ["slow"] = 3, ["quantity"] = 10 });

        var fresh = signal.Inspect();
        Assert.False(fresh.Ready);
        Assert.Equal((0, 3), (fresh.PricesSeen, fresh.PricesNeeded));
        Assert.Contains("0 of 3", fresh.Note, StringComparison.Ordinal);

        signal.OnPrice(1m);
        signal.OnPrice(2m);
        var warming = signal.Inspect();
        Assert.Equal(2, warming.PricesSeen);
        Assert.Equal(1.5m, warming.Indicators["smaFast"]);
        Assert.Null(warming.Indicators["smaSlow"]);
        Assert.Null(warming.Indicators["side"]);

        signal.OnPrice(3m); // fast 2.5 > slow 2: armed on the upper side, nothing emitted
        var armed = signal.Inspect();
        Assert.True(armed.Ready);
        Assert.Equal(2.5m, armed.Indicators["smaFast"]);
        Assert.Equal(2m, armed.Indicators["smaSlow"]);
        Assert.Equal(1m, armed.Indicators["side"]);
        Assert.Equal(0m, armed.Target);
        Assert.Contains("No crossover yet", armed.Note, StringComparison.Ordinal);

        Assert.Equal(-10m, signal.OnPrice(0m)); // fast 1.5 < slow 5/3: the cross down
        var crossed = signal.Inspect();
        Assert.Equal(-10m, crossed.Target);
        Assert.Equal(-1m, crossed.Indicators["side"]);
        Assert.Contains("until they cross up", crossed.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Mean_reversion_reports_the_bands_the_next_price_is_measured_against()
    {
        var signal = SignalFactory.Create(StrategyKind.MeanReversion, new Dictionary<string, decimal> { ["window"] = 2, ["k"] = 1, ["quantity"] = 1 });
        signal.OnPrice(10m);
        Assert.Contains("1 of 2", signal.Inspect().Note, StringComparison.Ordinal);
        signal.OnPrice(12m);

        var inspection = signal.Inspect();

        Assert.True(inspection.Ready);
        Assert.Equal(11m, inspection.Indicators["middle"]);
        Assert.Equal(1m, inspection.Indicators["stdDev"]); // population σ of 10 and 12
        Assert.Equal(10m, inspection.Indicators["lower"]);
        Assert.Equal(12m, inspection.Indicators["upper"]);
        Assert.Contains("below 10", inspection.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Breakout_reports_the_range_a_price_must_break()
    {
        var signal = SignalFactory.Create(StrategyKind.Breakout, new Dictionary<string, decimal> { ["lookback"] = 2, ["quantity"] = 1 });
        signal.OnPrice(10m);
        Assert.Equal((1, 2, false), (signal.Inspect().PricesSeen, signal.Inspect().PricesNeeded, signal.Inspect().Ready));
        signal.OnPrice(8m);

        var inspection = signal.Inspect();

        Assert.Equal(10m, inspection.Indicators["rangeHigh"]);
        Assert.Equal(8m, inspection.Indicators["rangeLow"]);
        Assert.Contains("above 10", inspection.Note, StringComparison.Ordinal);
    }

    [Fact]
    public void Inspecting_a_signal_does_not_change_what_it_emits()
    {
        decimal[] prices = [5m, 6m, 7m, 6m, 4m, 3m, 5m, 8m, 9m, 7m, 4m];
        var parameters = new Dictionary<string, decimal> { ["fast"] = 2, ["slow"] = 4, ["quantity"] = 3 };
        var plain = SignalFactory.Create(StrategyKind.SmaCross, parameters);
        var inspected = SignalFactory.Create(StrategyKind.SmaCross, parameters);

        var expected = prices.Select(plain.OnPrice).ToArray();
        var actual = prices.Select(p =>
        {
            inspected.Inspect();
            var emitted = inspected.OnPrice(p);
            inspected.Inspect();
            return emitted;
        }).ToArray();

        Assert.Equal(expected, actual);
        Assert.Contains(expected, e => e is not null);
    }
}
