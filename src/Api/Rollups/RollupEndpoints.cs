using System.Globalization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Common;
using TradingPlatform.Portfolio;
using TradingPlatform.Rollups;
using TradingPlatform.Strategies;

namespace TradingPlatform.Api.Rollups;

/// <summary>
/// <c>GET /v1/metrics/daily</c> and <c>GET /v1/metrics/risk</c>: the daily snapshots the rollup grain writes at each
/// UTC day end, and risk metrics over them computed like a backtest's. Read from the rollup store (history).
/// </summary>
public static class RollupEndpoints
{
    public const int DefaultPeriodsPerYear = 252;

    public static RouteGroupBuilder MapRollupEndpoints(this RouteGroupBuilder v1)
    {
        var metrics = v1.MapGroup("/metrics").WithTags("Portfolio");
        metrics.MapGet("/daily", Daily).WithName("ListDailyRollups")
            .WithSummary("Daily snapshots, newest day first: the portfolio's, or one strategy's with strategyId; from/to are UTC dates (inclusive)")
            .WithDescription("One row per UTC day, written shortly after the day ends: equity (capital + realized + unrealized PnL), pnl {realized, unrealized, total, daily} " +
                "where daily = total − the previous snapshot's total, exposure {gross, net}, openPositions, fills executed in the day, and late/capturedAt: a late row was " +
                "written after an outage and holds the values at capturedAt, not at the day's end. Paged with page/per_page.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        metrics.MapGet("/risk", Risk).WithName("GetRiskMetrics")
            .WithSummary("Sharpe, Sortino, volatility and max drawdown over the daily snapshots (portfolio, or strategyId), like a backtest's metrics")
            .WithDescription("Returns are simple daily returns of the snapshots' equity, the first against the equity before the first day. sharpe = mean/std(ddof 1)·√P " +
                "of r − rf/P; sortino = mean·P / (√(mean of min(r − rf/P, 0)²)·√P); volatility = std·√P; maxDrawdown = most negative equity/running peak − 1. " +
                "P = periodsPerYear (252 unless given, 1..366), rf = riskFreeRate (annual, 0 unless given). days says how many snapshots were used; " +
                "a value that is not defined (fewer than 2 days, no variation, no losing day, equity at or below zero) is null.")
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return v1;
    }

    private static async Task<Results<Ok<Page<DailyRollupView>>, ValidationProblem, ProblemHttpResult>> Daily(
        string? strategyId, string? from, string? to, int? page, [FromQuery(Name = "per_page")] int? perPage,
        IGrainFactory grains, IDailyRollupStore store, CancellationToken cancellationToken)
    {
        Paging.TryCreate(page, perPage, out var request, out var errors);
        var range = Range(from, to, errors);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (strategyId is not null && !await StrategyExists(strategyId, grains)) return StrategyNotFound(strategyId);
        var rows = await store.Query(new DailyRollupQuery(RollupScopes.For(strategyId), range.From, range.To), request, cancellationToken);
        return TypedResults.Ok(new Page<DailyRollupView>(rows.Items.Select(DailyRollupView.Of).ToArray(), rows.PageNumber, rows.PerPage, rows.Total));
    }

    private static async Task<Results<Ok<RiskMetricsView>, ValidationProblem, ProblemHttpResult>> Risk(
        string? strategyId, string? from, string? to, int? periodsPerYear, double? riskFreeRate,
        IGrainFactory grains, IDailyRollupStore store, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var range = Range(from, to, errors);
        var periods = periodsPerYear ?? DefaultPeriodsPerYear;
        if (periods is < 1 or > 366) Wire.Add(errors, "periodsPerYear", "Must be from 1 to 366 (252 for exchange days, 365 for 24/7 markets).");
        var rf = riskFreeRate ?? 0;
        if (!double.IsFinite(rf) || rf is < -1 or > 1) Wire.Add(errors, "riskFreeRate", "Must be an annual rate from -1 to 1 (0.05 for 5 %).");
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (strategyId is not null && !await StrategyExists(strategyId, grains)) return StrategyNotFound(strategyId);
        var scope = RollupScopes.For(strategyId);
        var series = await store.Series(new DailyRollupQuery(scope, range.From, range.To), cancellationToken);
        var metrics = RollupRisk.Compute(series, periods, rf);
        return TypedResults.Ok(RiskMetricsView.Of(scope, strategyId, periods, rf, metrics));
    }

    private static (DateOnly? From, DateOnly? To) Range(string? from, string? to, Dictionary<string, string[]> errors)
    {
        var fromDay = Day(from, "from", errors);
        var toDay = Day(to, "to", errors);
        if (fromDay > toDay) Wire.Add(errors, "to", "Must not be before 'from'.");
        return (fromDay, toDay);
    }

    private static DateOnly? Day(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day)) return day;
        Wire.Add(errors, field, "Must be a UTC date, e.g. 2024-01-31.");
        return null;
    }

    private static async Task<bool> StrategyExists(string strategyId, IGrainFactory grains) =>
        StrategyRules.IsValidId(strategyId) && await grains.GetGrain<IStrategyGrain>(strategyId).Get() is not null;

    private static ProblemHttpResult StrategyNotFound(string id) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Strategy not found", detail: $"No strategy has id '{Wire.Shorten(id)}'.");
}

/// <summary>One row of <c>GET /v1/metrics/daily</c>.</summary>
public sealed record DailyRollupView(
    string Scope,
    string? StrategyId,
    DateOnly Day,
    decimal Capital,
    decimal Equity,
    PnlSummary Pnl,
    Exposure Exposure,
    int OpenPositions,
    long Fills,
    bool Late,
    DateTimeOffset CapturedAt)
{
    public static DailyRollupView Of(DailyRollup row) => new(row.Scope, row.StrategyId, row.Day, row.Capital, row.Equity,
        new PnlSummary(row.RealizedPnl, row.UnrealizedPnl, row.TotalPnl, row.DailyPnl), new Exposure(row.GrossExposure, row.NetExposure),
        row.OpenPositions, row.Fills, row.Late, row.CapturedAtUtc);
}

/// <summary><c>GET /v1/metrics/risk</c>: the metrics and what they were computed over.</summary>
public sealed record RiskMetricsView(
    string Scope,
    string? StrategyId,
    int Days,
    int LateDays,
    DateOnly? From,
    DateOnly? To,
    int PeriodsPerYear,
    double RiskFreeRate,
    decimal? StartEquity,
    decimal? EndEquity,
    decimal? TotalReturn,
    double? Sharpe,
    double? Sortino,
    double? Volatility,
    double? MaxDrawdown)
{
    public static RiskMetricsView Of(string scope, string? strategyId, int periodsPerYear, double riskFreeRate, RollupRiskMetrics m) => new(
        scope, strategyId, m.Days, m.LateDays, m.From, m.To, periodsPerYear, riskFreeRate, m.StartEquity, m.EndEquity, m.TotalReturn,
        m.Sharpe, m.Sortino, m.Volatility, m.MaxDrawdown);
}
