using TradingPlatform.Backtesting;

namespace TradingPlatform.Rollups;

/// <summary>
/// Risk metrics over a scope's daily snapshots. <see cref="From"/>/<see cref="To"/> are the first and last days used;
/// null values mean "not defined" (too few days, no variation, no losing day, or equity at or below zero).
/// </summary>
public sealed record RollupRiskMetrics(
    int Days,
    int LateDays,
    DateOnly? From,
    DateOnly? To,
    decimal? StartEquity,
    decimal? EndEquity,
    decimal? TotalReturn,
    double? Sharpe,
    double? Sortino,
    double? Volatility,
    double? MaxDrawdown);

/// <summary>
/// The backtests' statistics applied to live daily snapshots, through the same <see cref="PerformanceMetrics"/>
/// functions (empyrical conventions): the equity series is each day's <see cref="DailyRollup.Equity"/>, the initial
/// value the equity before the first day (<see cref="DailyRollup.StartEquity"/>, i.e. the previous snapshot's
/// equity, or the capital for a scope's first day), returns are simple daily returns, ratios annualised with √P.
/// </summary>
public static class RollupRisk
{
    /// <param name="days">One scope's snapshots, oldest first, one per day.</param>
    public static RollupRiskMetrics Compute(IReadOnlyList<DailyRollup> days, int periodsPerYear, double riskFreeRate = 0)
    {
        ArgumentNullException.ThrowIfNull(days);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(periodsPerYear);
        if (days.Count == 0) return new RollupRiskMetrics(0, 0, null, null, null, null, null, null, null, null, null);

        var initial = days[0].StartEquity;
        var final = days[^1].Equity;
        var late = days.Count(d => d.Late);
        var first = days[0].Day;
        var last = days[^1].Day;
        // Returns need a positive base every day: a book at or below zero has no defined return.
        if (initial <= 0m || days.Any(d => d.Equity <= 0m))
            return new RollupRiskMetrics(days.Count, late, first, last, initial, final, null, null, null, null, null);

        var equity = new double[days.Count];
        for (var i = 0; i < equity.Length; i++) equity[i] = (double)days[i].Equity;
        var returns = PerformanceMetrics.DailyReturns((double)initial, equity);
        var curve = new double[equity.Length + 1];
        curve[0] = (double)initial;
        equity.CopyTo(curve, 1);

        return new RollupRiskMetrics(days.Count, late, first, last, initial, final,
            PerformanceMetrics.TotalReturn(initial, final),
            Finite(PerformanceMetrics.Sharpe(returns, periodsPerYear, riskFreeRate)),
            Finite(PerformanceMetrics.Sortino(returns, periodsPerYear, riskFreeRate)),
            Finite(PerformanceMetrics.Volatility(returns, periodsPerYear)),
            Finite(PerformanceMetrics.MaxDrawdown(curve)));
    }

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
