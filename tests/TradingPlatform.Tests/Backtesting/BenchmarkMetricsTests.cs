using TradingPlatform.Backtesting;
using TradingPlatform.Candles;

namespace TradingPlatform.Tests.Backtesting;

/// <summary>
/// Beta, alpha and the benchmark's return against vectors computed by hand (exact fractions in Python), following
/// empyrical's <c>beta_aligned</c> and <c>alpha_aligned</c>.
/// </summary>
/// <remarks>
/// <code>
/// from fractions import Fraction as F
/// r = [F(1,100), F(-2,100), F(3,100), F(-1,100), F(2,100)]
/// b = [F(5,1000), F(-1,100), F(2,100), F(0), F(1,100)]
/// res = [x - sum(b)/5 for x in b]
/// beta = (sum(x*y for x, y in zip(res, r))/5) / (sum(x*x for x in res)/5)      # 9/5: ddof 0 on both sides
/// mean_residual = sum(x - beta*y for x, y in zip(r, b))/5                        # -3/1000
/// alpha = (1 + mean_residual)**252 - 1                                           # 0.997**252 - 1
/// </code>
/// </remarks>
public sealed class BenchmarkMetricsTests
{
    private const int P = 252;
    private static readonly double[] Strategy = [0.01, -0.02, 0.03, -0.01, 0.02];
    private static readonly double[] Benchmark = [0.005, -0.01, 0.02, 0.0, 0.01];

    [Fact]
    public void Beta_is_the_covariance_with_the_benchmark_over_the_benchmarks_variance()
    {
        AssertClose(1.8, PerformanceMetrics.Beta(Strategy, Benchmark));
    }

    [Fact]
    public void Alpha_is_the_mean_residual_return_compounded_over_a_year()
    {
        AssertClose(Math.Pow(0.997, P) - 1, PerformanceMetrics.Alpha(Strategy, Benchmark, P));
        // 365 periods: the same daily residual compounds over more days.
        AssertClose(Math.Pow(0.997, 365) - 1, PerformanceMetrics.Alpha(Strategy, Benchmark, 365));
    }

    [Fact]
    public void A_strategy_exactly_twice_the_benchmark_has_beta_2_and_alpha_0()
    {
        var doubled = Benchmark.Select(b => 2 * b).ToArray();

        AssertClose(2, PerformanceMetrics.Beta(doubled, Benchmark));
        AssertClose(0, PerformanceMetrics.Alpha(doubled, Benchmark, P));
        AssertClose(1, PerformanceMetrics.Beta(Benchmark, Benchmark));
        AssertClose(0, PerformanceMetrics.Alpha(Benchmark, Benchmark, P));
    }

    [Fact]
    public void With_a_risk_free_rate_alpha_is_measured_on_excess_returns_and_beta_does_not_move()
    {
        // r = 2b: the residual r − rf/P − 2(b − rf/P) = rf/P every day, so alpha = (1 + rf/P)^P − 1.
        var doubled = Benchmark.Select(b => 2 * b).ToArray();
        AssertClose(Math.Pow(1 + 0.05 / P, P) - 1, PerformanceMetrics.Alpha(doubled, Benchmark, P, riskFreeRate: 0.05));
        AssertClose(2, PerformanceMetrics.Beta(doubled, Benchmark));
    }

    [Fact]
    public void Beta_and_alpha_are_null_when_undefined()
    {
        Assert.Null(PerformanceMetrics.Beta([0.01], [0.02])); // fewer than 2 aligned days
        Assert.Null(PerformanceMetrics.Alpha([0.01], [0.02], P));
        Assert.Null(PerformanceMetrics.Beta([0.01, 0.02, 0.03], [0.01, 0.01, 0.01])); // the benchmark does not vary
        Assert.Null(PerformanceMetrics.Alpha([0.01, 0.02, 0.03], [0.01, 0.01, 0.01], P));
        Assert.Throws<ArgumentException>(() => PerformanceMetrics.Beta([0.01, 0.02], [0.01]));
    }

    [Fact]
    public void Daily_closes_keep_each_UTC_days_last_close_and_the_first_and_last_close_of_the_range()
    {
        var series = new BenchmarkSeries();
        series.Add([Bar(Day(1).AddHours(14), 10m), Bar(Day(1).AddHours(15), 11m)]);
        series.Add([Bar(Day(2).AddHours(14), 12m), Bar(Day(4).AddHours(9), 9m), Bar(Day(4).AddHours(20), 13m)]);

        Assert.Equal([new DailyClose(Day(1), 11m), new DailyClose(Day(2), 12m), new DailyClose(Day(4), 13m)], series.DailyCloses);
        Assert.Equal(13m / 10m - 1, series.TotalReturn); // close to close: the first bar's close to the last bar's
        Assert.Null(new BenchmarkSeries().TotalReturn);
    }

    [Fact]
    public void Strategy_and_benchmark_returns_are_aligned_on_the_days_both_have()
    {
        // Strategy days 1..5 (first return against the capital); benchmark closes on days 1, 2, 4, 5, 6 (no day 3).
        // Benchmark returns exist on days 2, 4 (against day 2), 5 and 6; the strategy has returns on 1..5: aligned 2, 4, 5.
        EquityPoint[] equity = [new(Day(1), 101m), new(Day(2), 99m), new(Day(3), 102m), new(Day(4), 100.5m), new(Day(5), 103m)];
        var benchmark = new BenchmarkSeries();
        benchmark.Add([Bar(Day(1), 50m), Bar(Day(2), 51m), Bar(Day(4), 50m), Bar(Day(5), 52m), Bar(Day(6), 60m)]);

        var comparison = BenchmarkMetrics.Compare("SPY", 100m, equity, benchmark, P, riskFreeRate: 0);

        double[] r = [99.0 / 101 - 1, 100.5 / 102 - 1, 103 / 100.5 - 1];
        double[] b = [51.0 / 50 - 1, 50.0 / 51 - 1, 52.0 / 50 - 1];
        Assert.Equal("SPY", comparison.Symbol);
        Assert.Equal(3, comparison.AlignedDays);
        AssertClose(PerformanceMetrics.Beta(r, b)!.Value, comparison.Beta);
        AssertClose(PerformanceMetrics.Alpha(r, b, P)!.Value, comparison.Alpha);
        Assert.Equal(60m / 50m - 1, comparison.Return); // the whole range, day 6 included
    }

    [Fact]
    public void An_equity_curve_that_moves_exactly_twice_the_benchmark_compares_as_beta_2_alpha_0()
    {
        decimal[] closes = [100m, 102m, 99m, 101m, 104m, 103m];
        var benchmark = new BenchmarkSeries();
        benchmark.Add(closes.Select((c, i) => Bar(Day(i + 1), c)).ToArray());
        // Day 1: flat at the capital; each later day the strategy earns twice the benchmark's return.
        var equity = new List<EquityPoint> { new(Day(1), 1000m) };
        for (var i = 1; i < closes.Length; i++)
            equity.Add(new EquityPoint(Day(i + 1), equity[^1].Equity * (1 + 2 * (closes[i] / closes[i - 1] - 1))));

        var comparison = BenchmarkMetrics.Compare("SPY", 1000m, equity, benchmark, P, riskFreeRate: 0);

        Assert.Equal(5, comparison.AlignedDays);
        AssertClose(2, comparison.Beta, 1e-9);
        AssertClose(0, comparison.Alpha, 1e-9);
        Assert.Equal(103m / 100m - 1, comparison.Return);
    }

    [Fact]
    public void Without_overlapping_days_beta_and_alpha_are_null_but_the_benchmark_return_is_still_given()
    {
        EquityPoint[] equity = [new(Day(1), 101m), new(Day(2), 102m)];
        var benchmark = new BenchmarkSeries();
        benchmark.Add([Bar(Day(10), 50m), Bar(Day(11), 55m)]);

        var comparison = BenchmarkMetrics.Compare("QQQ", 100m, equity, benchmark, P, riskFreeRate: 0);

        Assert.Equal(0, comparison.AlignedDays);
        Assert.Null(comparison.Beta);
        Assert.Null(comparison.Alpha);
        Assert.Equal(0.1m, comparison.Return);
    }

    private static DateTime Day(int day) => new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddDays(day - 1);

    private static Candle Bar(DateTime time, decimal close) => new(time, close, close, close, close, 1m);

    private static void AssertClose(double expected, double? actual, double tolerance = 1e-12)
    {
        Assert.NotNull(actual);
        var allowed = Math.Abs(expected) * tolerance + 1e-15;
        Assert.True(Math.Abs(expected - actual.Value) <= Math.Max(allowed, expected == 0 ? tolerance : 0), $"expected {expected:R}, got {actual.Value:R}");
    }
}
