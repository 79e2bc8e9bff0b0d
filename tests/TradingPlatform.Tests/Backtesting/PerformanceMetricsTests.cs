using TradingPlatform.Backtesting;

namespace TradingPlatform.Tests.Backtesting;

/// <summary>
/// Each metric against values computed by hand in Python (exact fractions for the returns, then floats; the script is
/// in the comments), following empyrical's conventions. Main vector: initial capital 100, daily equity
/// 101, 99, 102, 100.5, 103, P = 252.
/// </summary>
/// <remarks>
/// <code>
/// from fractions import Fraction as F; import math
/// r = [F(101,100)-1, F(99,101)-1, F(102,99)-1, F(1005,1020)-1, F(103,100.5)-1]   # the daily returns
/// mean = sum(r)/5; std = math.sqrt(sum((v-mean)**2 for v in r)/4)               # ddof 1
/// sharpe = float(mean)/std*math.sqrt(252)
/// downside = math.sqrt(sum(min(v,0)**2 for v in r)/5)*math.sqrt(252)            # mean over ALL days
/// sortino = float(mean)*252/downside
/// cagr = (103/100)**(252/5)-1
/// </code>
/// </remarks>
public sealed class PerformanceMetricsTests
{
    private const int P = 252;
    private static readonly double[] Equity = [101, 99, 102, 100.5, 103];

    private static double[] Returns => PerformanceMetrics.DailyReturns(100, Equity);

    [Fact]
    public void Daily_returns_are_simple_returns_between_days_the_first_against_the_initial_capital()
    {
        // 101/100-1, 99/101-1, 102/99-1, 100.5/102-1, 103/100.5-1
        double[] expected = [0.01, -0.019801980198019802, 0.030303030303030304, -0.014705882352941176, 0.024875621890547265];

        var returns = Returns;

        Assert.Equal(expected.Length, returns.Length);
        for (var i = 0; i < expected.Length; i++) AssertClose(expected[i], returns[i]);
        Assert.Empty(PerformanceMetrics.DailyReturns(100, []));
    }

    [Fact]
    public void Sharpe_is_the_mean_over_the_sample_deviation_times_root_p()
    {
        // mean 0.006134157928523318, std (ddof 1) 0.0226788014347586 → 0.0061341579 / 0.0226788014 × √252
        AssertClose(4.293733889338736, PerformanceMetrics.Sharpe(Returns, P));
        AssertClose(5.16750953572139, PerformanceMetrics.Sharpe(Returns, 365)); // same returns, P = 365
    }

    [Fact]
    public void Sharpe_and_sortino_subtract_the_risk_free_rate_per_period_from_each_return()
    {
        // rf = 5 %: x = r − 0.05/252. Sharpe 4.154850714634619; downside 0.177077801658677; Sortino 8.447178494293102.
        AssertClose(4.154850714634619, PerformanceMetrics.Sharpe(Returns, P, riskFreeRate: 0.05));
        AssertClose(0.177077801658677, PerformanceMetrics.DownsideDeviation(Returns, P, riskFreeRate: 0.05));
        AssertClose(8.447178494293102, PerformanceMetrics.Sortino(Returns, P, riskFreeRate: 0.05));
    }

    [Fact]
    public void Sortino_divides_the_annual_mean_by_a_downside_deviation_averaged_over_all_days()
    {
        // downside = √((0.0198019802² + 0.0147058824²) / 5) × √252 = 0.1751068883147727 (over 5 days, not the 2 losing ones)
        AssertClose(0.1751068883147727, PerformanceMetrics.DownsideDeviation(Returns, P));
        // 0.006134157928523318 × 252 / 0.1751068883147727
        AssertClose(8.827795484602108, PerformanceMetrics.Sortino(Returns, P));
    }

    [Fact]
    public void Volatility_is_the_sample_deviation_times_root_p()
    {
        AssertClose(0.3600148117763165, PerformanceMetrics.Volatility(Returns, P)); // 0.0226788014347586 × √252
        AssertClose(0.0226788014347586, PerformanceMetrics.SampleStandardDeviation(Returns));
    }

    [Fact]
    public void Max_drawdown_is_the_deepest_fall_from_a_running_peak_including_the_initial_capital()
    {
        AssertClose(-0.019801980198019802, PerformanceMetrics.MaxDrawdown([100, .. Equity])); // 101 → 99
        // 100, 110, 88 (−20 % from 110), 120, 90 (−25 % from 120), 130: the deepest is the later one.
        AssertClose(-0.25, PerformanceMetrics.MaxDrawdown([100, 110, 88, 120, 90, 130]));
        // Falling from the start: the initial capital is the first peak.
        AssertClose(-0.03, PerformanceMetrics.MaxDrawdown([100, 99, 98, 97]));
        Assert.Equal(0, PerformanceMetrics.MaxDrawdown([100, 101, 102]));
        Assert.Equal(0, PerformanceMetrics.MaxDrawdown([]));
    }

    [Fact]
    public void Cagr_compounds_the_total_growth_over_n_over_p_years()
    {
        AssertClose(3.4360468598701486, PerformanceMetrics.Cagr(100, 103, 5, P)); // 1.03^(252/5) − 1
        AssertClose(7.6520177845670645, PerformanceMetrics.Cagr(100, 103, 5, 365)); // 1.03^(365/5) − 1
        AssertClose(0.1, PerformanceMetrics.Cagr(100, 110, 252, P)); // one year of returns
        Assert.Equal(-1, PerformanceMetrics.Cagr(100, 0, 10, P)); // everything lost
        Assert.Null(PerformanceMetrics.Cagr(100, -5, 10, P)); // no real root of a negative growth
        Assert.Null(PerformanceMetrics.Cagr(100, 100, 0, P)); // no returns, no time
        Assert.Null(PerformanceMetrics.Cagr(100, 1e10, 1, P)); // 1e8^252 overflows a double
    }

    [Fact]
    public void Total_return_is_final_over_initial_minus_one_in_decimal()
    {
        Assert.Equal(0.030005m, PerformanceMetrics.TotalReturn(100_000m, 103_000.5m));
        Assert.Equal(-0.25m, PerformanceMetrics.TotalReturn(100m, 75m));
        Assert.Equal(0m, PerformanceMetrics.TotalReturn(100m, 100m));
    }

    [Fact]
    public void Win_rate_and_profit_factor_count_round_trip_pnls()
    {
        decimal[] pnls = [10m, -5m, 20m, -15m, 0m];

        Assert.Equal(0.4, PerformanceMetrics.WinRate(pnls)); // 2 of 5; a zero PnL is not a win
        Assert.Equal(1.5, PerformanceMetrics.ProfitFactor(pnls)); // (10 + 20) / |−5 − 15|
    }

    [Fact]
    public void Without_trades_win_rate_and_profit_factor_are_null()
    {
        Assert.Null(PerformanceMetrics.WinRate([]));
        Assert.Null(PerformanceMetrics.ProfitFactor([]));
    }

    [Fact]
    public void Without_a_losing_trade_profit_factor_is_null_and_with_only_losers_it_is_zero()
    {
        Assert.Null(PerformanceMetrics.ProfitFactor([3m, 0m]));
        Assert.Equal(0.5, PerformanceMetrics.WinRate([3m, 0m]));

        Assert.Equal(0, PerformanceMetrics.ProfitFactor([-1m, -2m]));
        Assert.Equal(0, PerformanceMetrics.WinRate([-1m, -2m]));
    }

    [Fact]
    public void Flat_equity_has_zero_volatility_and_drawdown_and_no_sharpe_or_sortino()
    {
        var returns = PerformanceMetrics.DailyReturns(100, [100, 100, 100]);

        Assert.All(returns, r => Assert.Equal(0, r));
        Assert.Null(PerformanceMetrics.Sharpe(returns, P));
        Assert.Null(PerformanceMetrics.Sortino(returns, P));
        Assert.Equal(0, PerformanceMetrics.Volatility(returns, P));
        Assert.Equal(0, PerformanceMetrics.MaxDrawdown([100, 100, 100, 100]));
        Assert.Equal(0, PerformanceMetrics.Cagr(100, 100, returns.Length, P));
    }

    [Fact]
    public void Constant_returns_do_not_vary_so_sharpe_is_null_rather_than_a_rounding_artefact()
    {
        var returns = PerformanceMetrics.DailyReturns(100, [101, 102.01, 103.0301]); // exactly 1 % a day in decimal, ~1 % in double

        Assert.Null(PerformanceMetrics.Sharpe([0.01, 0.01, 0.01], P));
        Assert.Equal(0, PerformanceMetrics.SampleStandardDeviation([0.01, 0.01, 0.01]));
        Assert.Null(PerformanceMetrics.Sortino(returns, P)); // no day below 0
    }

    [Fact]
    public void An_all_losing_series_has_negative_ratios_and_its_whole_fall_as_drawdown()
    {
        // Equity 99, 98, 97: returns −0.01, −0.0101010101, −0.0102040816.
        var returns = PerformanceMetrics.DailyReturns(100, [99, 98, 97]);

        AssertClose(-1571.496106080768, PerformanceMetrics.Sharpe(returns, P)); // tiny spread, large negative ratio
        AssertClose(-15.873967944689754, PerformanceMetrics.Sortino(returns, P));
        AssertClose(0.001619875286854113, PerformanceMetrics.Volatility(returns, P));
        AssertClose(-0.03, PerformanceMetrics.MaxDrawdown([100, 99, 98, 97]));
        AssertClose(-0.9225849001347546, PerformanceMetrics.Cagr(100, 97, 3, P)); // 0.97^84 − 1
    }

    [Fact]
    public void A_single_day_has_a_return_and_a_cagr_but_no_dispersion_statistics()
    {
        var returns = PerformanceMetrics.DailyReturns(100, [105]);

        Assert.Equal([0.05], returns.Select(r => Math.Round(r, 12)));
        Assert.Null(PerformanceMetrics.Sharpe(returns, P));
        Assert.Null(PerformanceMetrics.Sortino(returns, P));
        Assert.Null(PerformanceMetrics.Volatility(returns, P));
        AssertClose(218625.78363222268, PerformanceMetrics.Cagr(100, 105, 1, P)); // 1.05^252 − 1
    }

    [Fact]
    public void Bad_inputs_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PerformanceMetrics.DailyReturns(0, [1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => PerformanceMetrics.Sharpe([0.1, 0.2], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PerformanceMetrics.TotalReturn(0m, 1m));
    }

    /// <summary>Equal to 12 significant digits (the expected values are Python doubles; summation order may differ in the last bits).</summary>
    private static void AssertClose(double expected, double? actual)
    {
        Assert.NotNull(actual);
        var tolerance = Math.Abs(expected) * 1e-12 + 1e-15;
        Assert.True(Math.Abs(expected - actual.Value) <= tolerance, $"expected {expected:R}, got {actual.Value:R}");
    }
}
