using TradingPlatform.Strategies;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Tests.Strategies.Signals;

/// <summary>Each kind's rules on small hand-made price series; each expected array is one entry per price.</summary>
public sealed class SignalTests
{
    /// <summary>No emission on this price.</summary>
    private static decimal? None => null;

    // sma_cross, fast 2, slow 3, quantity 10. Both averages exist from the third price on.

    [Fact]
    public void Sma_cross_goes_short_when_the_fast_average_crosses_below_the_slow_one()
    {
        // From the third price fast > slow (arms the signal, no emission); on the 7th: fast (6+1)/2 = 3.5 < slow (5+6+1)/3 = 4.
        var emitted = Run(SmaCross(), 1m, 2m, 3m, 4m, 5m, 6m, 1m);

        Assert.Equal([None, None, None, None, None, None, -10m], emitted);
    }

    [Fact]
    public void Sma_cross_goes_long_when_the_fast_average_crosses_above_the_slow_one()
    {
        // On the 7th price: fast (1+9)/2 = 5 > slow (2+1+9)/3 = 4.
        var emitted = Run(SmaCross(), 6m, 5m, 4m, 3m, 2m, 1m, 9m);

        Assert.Equal([None, None, None, None, None, None, 10m], emitted);
    }

    [Fact]
    public void Sma_cross_emits_nothing_before_the_first_cross_even_deep_into_a_trend()
    {
        var rising = Enumerable.Range(1, 50).Select(i => (decimal)i).ToArray();

        Assert.All(Run(SmaCross(), rising), e => Assert.Null(e));
    }

    [Fact]
    public void Sma_cross_treats_equal_averages_as_no_change_of_side()
    {
        // 3rd: 4.5 < 5 (below). 4th: 4 < 4.33. 5th: 4 = 4 (keeps below). 6th: 3.5 < 3.67, still below: no cross.
        Assert.All(Run(SmaCross(), 6m, 5m, 4m, 4m, 4m, 3m), e => Assert.Null(e));

        // Same start, but after the tie fast goes above: below → equal → above is one cross up.
        // 6th: fast (4+5)/2 = 4.5 > slow (4+4+5)/3 = 4.33.
        Assert.Equal([None, None, None, None, None, 10m], Run(SmaCross(), 6m, 5m, 4m, 4m, 4m, 5m));
    }

    [Fact]
    public void Sma_cross_does_not_arm_on_a_tie_and_waits_for_a_real_side_before_counting_crosses()
    {
        // 3rd..4th: all equal, no side yet. 5th: fast 5.5 > slow 5.33 only arms (not a cross). 6th: 3.5 < 4: cross down.
        var emitted = Run(SmaCross(), 5m, 5m, 5m, 5m, 6m, 1m);

        Assert.Equal([None, None, None, None, None, -10m], emitted);
    }

    [Fact]
    public void Sma_cross_emits_once_per_cross_and_alternates()
    {
        // Up-cross on the 7th price, then a long climb (stays above: silent), then a collapse (one cross down).
        var emitted = Run(SmaCross(), 6m, 5m, 4m, 3m, 2m, 1m, 9m, 10m, 11m, 12m, 13m, 14m, 1m, 1m, 1m);

        Assert.Equal([None, None, None, None, None, None, 10m, None, None, None, None, None, -10m, None, None], emitted);
    }

    // mean_reversion, window 2, k 1, quantity 5: with two prices a, b the population deviation is |a - b| / 2,
    // so the bands of the previous two prices are exactly lower = min, middle = mean, upper = max.

    [Fact]
    public void Mean_reversion_buys_below_the_lower_band_holds_below_the_middle_and_exits_at_the_middle()
    {
        var emitted = Run(MeanReversion(),
            10m, 12m,  // warm-up
            9m,        // bands 10 / 11 / 12: below lower → long
            10m,       // bands 9 / 10.5 / 12: under the middle, stays long
            9.5m);     // bands 9 / 9.5 / 10: at the middle → flat

        Assert.Equal([None, None, 5m, None, 0m], emitted);
    }

    [Fact]
    public void Mean_reversion_sells_above_the_upper_band_holds_above_the_middle_and_exits_at_the_middle()
    {
        var emitted = Run(MeanReversion(),
            10m, 9.5m, // warm-up
            11m,       // bands 9.5 / 9.75 / 10: above upper → short
            10.5m,     // bands 9.5 / 10.25 / 11: above the middle, stays short
            10.75m,    // bands 10.5 / 10.75 / 11: at the middle → flat
            10.6m);    // bands 10.5 / 10.625 / 10.75: flat and inside the bands, nothing

        Assert.Equal([None, None, -5m, None, 0m, None], emitted);
    }

    [Fact]
    public void Mean_reversion_flips_directly_when_the_price_leaves_through_the_opposite_band()
    {
        var emitted = Run(MeanReversion(),
            10m, 12m,
            9m,   // bands 10 / 11 / 12: long
            13m,  // bands 9 / 10.5 / 12: above upper → short, no stop at flat
            8m);  // bands 9 / 11 / 13: below lower → long

        Assert.Equal([None, None, 5m, -5m, 5m], emitted);
    }

    [Fact]
    public void Mean_reversion_does_not_repeat_a_target_while_the_price_stays_outside_the_band()
    {
        var emitted = Run(MeanReversion(),
            10m, 12m,
            9m,   // bands 10 / 11 / 12: long
            8m,   // bands 9 / 10.5 / 12: below lower again, already long
            7m);  // bands 8 / 8.5 / 9: and again

        Assert.Equal([None, None, 5m, None, None], emitted);
    }

    [Fact]
    public void Mean_reversion_measures_the_price_against_bands_of_the_previous_prices_only()
    {
        // With window 2 and k 1, bands that included the current price could never be crossed
        // (each of two points is exactly one deviation from their mean); bands of the previous prices are.
        var emitted = Run(new MeanReversionSignal(2, 1m, 5m), 100m, 100m, 99m);

        Assert.Equal([None, None, 5m], emitted);
    }

    // breakout, lookback 3, quantity 7.

    [Fact]
    public void Breakout_goes_long_above_the_previous_high_and_short_below_the_previous_low()
    {
        var emitted = Run(Breakout(),
            10m, 11m, 12m, // warm-up
            12m,           // range 10..12: equal to the high is not a break
            13m,           // range 11..12: break up → long
            14m,           // range 12..13: higher again, already long
            12.5m,         // range 12..14: inside, a breakout position is held (no flat)
            12m,           // range 12.5..14: break down → short
            15m);          // range 12..14: break up → long

        Assert.Equal([None, None, None, None, 7m, None, None, -7m, 7m], emitted);
    }

    [Fact]
    public void Breakout_compares_with_the_previous_prices_not_including_the_current_one()
    {
        // A window that included the current price could never be exceeded by it.
        var emitted = Run(new BreakoutSignal(1, 7m), 10m, 11m, 10.5m, 10.5m);

        Assert.Equal([None, 7m, -7m, None], emitted);
    }

    [Fact]
    public void Breakout_equal_to_the_low_is_not_a_break()
    {
        var emitted = Run(Breakout(), 10m, 11m, 12m, 10m, 10m, 9.99m);

        Assert.Equal([None, None, None, None, None, -7m], emitted);
    }

    [Fact]
    public void Manual_never_emits()
    {
        var signal = SignalFactory.Create(StrategyKind.Manual, new Dictionary<string, decimal>());

        foreach (var close in ReferenceData.SpyDailyCloses) Assert.Null(signal.OnPrice(close));
    }

    [Fact]
    public void The_factory_builds_each_kind_from_its_wire_parameters()
    {
        Assert.IsType<SmaCrossSignal>(SignalFactory.Create(StrategyKind.SmaCross, Specs.SmaCross("s1").Parameters));
        Assert.IsType<MeanReversionSignal>(SignalFactory.Create(StrategyKind.MeanReversion,
            Specs.Parameters(("window", 20), ("k", 2), ("quantity", 1))));
        Assert.IsType<BreakoutSignal>(SignalFactory.Create(StrategyKind.Breakout, Specs.Parameters(("lookback", 20), ("quantity", 1))));
        Assert.IsType<ManualSignal>(SignalFactory.Create(StrategyKind.Manual, Specs.Parameters()));
    }

    [Fact]
    public void The_factory_uses_the_parameters_it_is_given()
    {
        var signal = SignalFactory.Create(StrategyKind.Breakout, Specs.Parameters(("lookback", 3), ("quantity", 7)));

        Assert.Equal([None, None, None, None, 7m], Run(signal, 10m, 11m, 12m, 12m, 13m));
    }

    [Fact]
    public void Signals_from_the_factory_do_not_share_state()
    {
        var parameters = Specs.Parameters(("lookback", 1), ("quantity", 7));
        var first = SignalFactory.Create(StrategyKind.Breakout, parameters);
        var second = SignalFactory.Create(StrategyKind.Breakout, parameters);

        Run(first, 10m, 11m);

        Assert.Null(second.OnPrice(20m)); // still warming up: nothing of the first one's prices
        Assert.Equal(-7m, second.OnPrice(19m));
        Assert.Null(first.OnPrice(12m)); // the first one is still long
    }

    [Theory]
    [InlineData(StrategyKind.SmaCross, "fast=5,quantity=10")]               // slow missing
    [InlineData(StrategyKind.SmaCross, "fast=5.5,slow=20,quantity=10")]     // not a whole number
    [InlineData(StrategyKind.SmaCross, "fast=20,slow=20,quantity=10")]      // fast not below slow
    [InlineData(StrategyKind.SmaCross, "fast=5,slow=20,quantity=0")]        // quantity not positive
    [InlineData(StrategyKind.MeanReversion, "window=1,k=2,quantity=1")]     // window below 2
    [InlineData(StrategyKind.MeanReversion, "window=20,k=0,quantity=1")]    // k not positive
    [InlineData(StrategyKind.Breakout, "lookback=0,quantity=1")]            // lookback below 1
    [InlineData(StrategyKind.Breakout, "lookback=10001,quantity=1")]        // above StrategyRules.MaxWindow
    public void The_factory_rejects_missing_or_out_of_range_parameters(StrategyKind kind, string parameters)
    {
        var values = parameters.Split(',').Select(p => p.Split('='))
            .ToDictionary(p => p[0], p => ReferenceData.Number(p[1]), StringComparer.Ordinal);

        Assert.ThrowsAny<ArgumentException>(() => SignalFactory.Create(kind, values));
    }

    private static SmaCrossSignal SmaCross() => new(fast: 2, slow: 3, quantity: 10m);

    private static MeanReversionSignal MeanReversion() => new(window: 2, k: 1m, quantity: 5m);

    private static BreakoutSignal Breakout() => new(lookback: 3, quantity: 7m);

    private static decimal?[] Run(ISignal signal, params decimal[] prices)
    {
        var emitted = new decimal?[prices.Length];
        for (var i = 0; i < prices.Length; i++) emitted[i] = signal.OnPrice(prices[i]);
        return emitted;
    }
}
