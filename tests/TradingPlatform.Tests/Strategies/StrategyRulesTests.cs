using System.Collections.Immutable;
using TradingPlatform.Strategies;

namespace TradingPlatform.Tests.Strategies;

public sealed class StrategyRulesTests
{
    [Fact]
    public void A_complete_sma_cross_definition_is_valid() =>
        Assert.Empty(StrategyRules.Validate(Specs.SmaCross("s1")));

    [Fact]
    public void Sma_cross_needs_fast_shorter_than_slow() =>
        Assert.Contains("parameters.fast", StrategyRules.Validate(Specs.SmaCross("s1", fast: 20, slow: 20)).Keys);

    [Theory]
    [InlineData(0)]
    [InlineData(-3)]
    [InlineData(2.5)]
    [InlineData(10_001)]
    public void Windows_must_be_whole_numbers_in_range(decimal fast) =>
        Assert.Contains("parameters.fast", StrategyRules.Validate(Specs.SmaCross("s1", fast: fast, slow: 10_000)).Keys);

    [Fact]
    public void Each_kind_names_its_missing_and_unknown_parameters()
    {
        var spec = Specs.SmaCross("s1") with { Kind = StrategyKind.MeanReversion };

        var errors = StrategyRules.Validate(spec);

        Assert.Equal(["Required."], errors["parameters.window"]);
        Assert.Equal(["Required."], errors["parameters.k"]);
        Assert.Contains("parameters.fast", errors.Keys);
        Assert.Contains("parameters.slow", errors.Keys);
        Assert.DoesNotContain("parameters.quantity", errors.Keys);
    }

    [Fact]
    public void Manual_takes_no_parameters()
    {
        Assert.Empty(StrategyRules.Validate(Specs.Manual("m1")));
        var withParameter = Specs.Manual("m1") with { Parameters = Specs.Parameters(("quantity", 1)) };
        Assert.Contains("parameters.quantity", StrategyRules.Validate(withParameter).Keys);
    }

    [Fact]
    public void Breakout_needs_a_lookback_and_a_positive_quantity()
    {
        var spec = Specs.Manual("b1") with { Kind = StrategyKind.Breakout, Parameters = Specs.Parameters(("lookback", 20), ("quantity", 0)) };
        var errors = StrategyRules.Validate(spec);
        Assert.Equal(["parameters.quantity"], errors.Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-leading-dash")]
    [InlineData("has space")]
    [InlineData("../etc/passwd")]
    [InlineData("a'; drop table x;--")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public void Ids_are_short_and_plain(string id) =>
        Assert.Contains("id", StrategyRules.Validate(Specs.SmaCross(id)).Keys);

    [Fact]
    public void Symbols_are_required_well_formed_and_unique()
    {
        Assert.Contains("symbols", StrategyRules.Validate(Specs.SmaCross("s1") with { Symbols = [] }).Keys);
        var errors = StrategyRules.Validate(Specs.SmaCross("s1") with { Symbols = ["SPY", "spy!", "SPY"] });
        Assert.Equal(["symbols[1]", "symbols[2]"], errors.Keys.Order());
    }

    [Fact]
    public void Risk_limits_are_positive_and_order_size_fits_the_position_limit()
    {
        var errors = StrategyRules.Validate(Specs.SmaCross("s1") with { Risk = new StrategyRisk(2_000m, 1_000m, 0m, -1m) });
        Assert.Equal(["risk.maxDailyLoss", "risk.maxNotional", "risk.maxOrderQuantity"], errors.Keys.Order());
    }

    [Fact]
    public void A_patch_cannot_halt_a_strategy()
    {
        var errors = StrategyRules.Validate(StrategyKind.Manual, new StrategyPatch(Status: StrategyStatus.Halted));
        Assert.Contains("status", errors.Keys);
    }

    [Fact]
    public void A_patch_validates_parameters_against_the_strategy_kind()
    {
        var errors = StrategyRules.Validate(StrategyKind.SmaCross, new StrategyPatch(Parameters: ImmutableSortedDictionary<string, decimal>.Empty));
        Assert.Equal(["parameters.fast", "parameters.quantity", "parameters.slow"], errors.Keys.Order());
    }

    [Fact]
    public void Every_kind_has_a_wire_name() =>
        Assert.All(Enum.GetValues<StrategyKind>(), kind => Assert.Equal(kind, StrategyRules.Kinds[kind.WireName()]));
}
