using TradingPlatform.Rollups;

namespace TradingPlatform.Tests.Rollups;

/// <summary>
/// Live risk metrics over daily snapshots against hand-computed vectors (Python, as in PerformanceMetricsTests):
/// <code>
/// def stats(init, eq, P=252):
///     r = []; prev = init
///     for e in eq: r.append(e/prev - 1); prev = e
///     n = len(r); mean = sum(r)/n; std = math.sqrt(sum((v-mean)**2 for v in r)/(n-1))
///     sharpe = mean/std*math.sqrt(P); dd = math.sqrt(sum(min(v,0)**2 for v in r)/n)*math.sqrt(P)
///     sortino = mean*P/dd; vol = std*math.sqrt(P)   # max drawdown over [init] + eq
/// </code>
/// </summary>
public sealed class RollupRiskTests
{
    private static DailyRollup Day(int index, decimal capital, decimal totalPnl, decimal dailyPnl, bool late = false) =>
        new("portfolio", new DateOnly(2024, 1, 1).AddDays(index), capital, capital + totalPnl, totalPnl, 0m, dailyPnl, 0m, 0m, 0, 0, late,
            new DateTimeOffset(2024, 1, 2, 0, 0, 5, TimeSpan.Zero).AddDays(index));

    /// <summary>Capital 100, equity 101, 99, 102, 100.5, 103: the backtest metrics' own vector.</summary>
    private static DailyRollup[] FiveDays =>
    [
        Day(0, 100m, 1m, 1m), Day(1, 100m, -1m, -2m), Day(2, 100m, 2m, 3m), Day(3, 100m, 0.5m, -1.5m), Day(4, 100m, 3m, 2.5m, late: true),
    ];

    [Fact]
    public void The_metrics_of_five_days_match_the_hand_computed_backtest_vector()
    {
        var metrics = RollupRisk.Compute(FiveDays, 252);

        Assert.Equal(5, metrics.Days);
        Assert.Equal(1, metrics.LateDays);
        Assert.Equal(new DateOnly(2024, 1, 1), metrics.From);
        Assert.Equal(new DateOnly(2024, 1, 5), metrics.To);
        Assert.Equal(100m, metrics.StartEquity);
        Assert.Equal(103m, metrics.EndEquity);
        Assert.Equal(0.03m, metrics.TotalReturn);
        AssertClose(4.293733889338739, metrics.Sharpe);
        AssertClose(8.827795484602117, metrics.Sortino);
        AssertClose(0.3600148117763163, metrics.Volatility);
        AssertClose(-0.01980198019801982, metrics.MaxDrawdown); // 99 / 101 − 1
    }

    [Fact]
    public void Periods_per_year_and_the_risk_free_rate_are_applied_as_in_backtests()
    {
        AssertClose(5.16750953572139, RollupRisk.Compute(FiveDays, 365).Sharpe);
        AssertClose(4.154850714634619, RollupRisk.Compute(FiveDays, 252, riskFreeRate: 0.05).Sharpe);
        AssertClose(8.447178494293102, RollupRisk.Compute(FiveDays, 252, riskFreeRate: 0.05).Sortino);
    }

    [Fact]
    public void The_series_starts_from_the_equity_before_the_first_day_not_from_the_capital()
    {
        // Capital 1000 with 50 of PnL before the window: start 1050, then 1060, 1040, 1070.
        DailyRollup[] days = [Day(0, 1000m, 60m, 10m), Day(1, 1000m, 40m, -20m), Day(2, 1000m, 70m, 30m)];

        var metrics = RollupRisk.Compute(days, 252);

        Assert.Equal(1050m, metrics.StartEquity);
        AssertClose(4.2997476108610835, metrics.Sharpe);
        AssertClose(9.4731743349755, metrics.Sortino);
        AssertClose(0.38099242349982665, metrics.Volatility);
        AssertClose(-0.018867924528301883, metrics.MaxDrawdown); // 1040 / 1060 − 1
    }

    [Fact]
    public void Without_a_losing_day_sortino_is_null_and_drawdown_is_zero()
    {
        // 10000 → 10100 → 10160 → 10160: returns 0.01, 0.00594…, 0.
        DailyRollup[] days = [Day(0, 10_000m, 100m, 100m), Day(1, 10_000m, 160m, 60m), Day(2, 10_000m, 160m, 0m)];

        var metrics = RollupRisk.Compute(days, 252);

        AssertClose(16.771309955333805, metrics.Sharpe);
        Assert.Null(metrics.Sortino);
        AssertClose(0.07983931514927686, metrics.Volatility);
        Assert.Equal(0.0, metrics.MaxDrawdown);
    }

    [Fact]
    public void With_too_few_days_the_ratios_are_null_not_nan()
    {
        var none = RollupRisk.Compute([], 252);
        Assert.Equal(0, none.Days);
        Assert.Null(none.Sharpe);
        Assert.Null(none.Sortino);
        Assert.Null(none.Volatility);
        Assert.Null(none.MaxDrawdown);
        Assert.Null(none.TotalReturn);

        var one = RollupRisk.Compute([Day(0, 100m, -1m, -1m)], 252);
        Assert.Equal(1, one.Days);
        Assert.Null(one.Sharpe);
        Assert.Null(one.Sortino);
        Assert.Null(one.Volatility);
        AssertClose(-0.01, one.MaxDrawdown);
        Assert.Equal(-0.01m, one.TotalReturn);
    }

    [Fact]
    public void Flat_equity_has_zero_volatility_and_no_sharpe()
    {
        var metrics = RollupRisk.Compute([Day(0, 100m, 0m, 0m), Day(1, 100m, 0m, 0m), Day(2, 100m, 0m, 0m)], 252);

        Assert.Equal(0.0, metrics.Volatility);
        Assert.Null(metrics.Sharpe);
        Assert.Null(metrics.Sortino);
        Assert.Equal(0.0, metrics.MaxDrawdown);
    }

    [Fact]
    public void Equity_at_or_below_zero_leaves_every_return_based_value_undefined()
    {
        var metrics = RollupRisk.Compute([Day(0, 100m, -50m, -50m), Day(1, 100m, -120m, -70m), Day(2, 100m, -90m, 30m)], 252);

        Assert.Equal(3, metrics.Days);
        Assert.Equal(10m, metrics.EndEquity);
        Assert.Null(metrics.TotalReturn);
        Assert.Null(metrics.Sharpe);
        Assert.Null(metrics.Volatility);
        Assert.Null(metrics.MaxDrawdown);
    }

    private static void AssertClose(double expected, double? actual)
    {
        Assert.NotNull(actual);
        var tolerance = Math.Abs(expected) * 1e-12 + 1e-15;
        Assert.True(Math.Abs(expected - actual.Value) <= tolerance, $"expected {expected:R}, got {actual.Value:R}");
    }
}
