using System.Collections.Immutable;
using TradingPlatform.Candles;
using TradingPlatform.Strategies;

namespace TradingPlatform.Backtesting;

/// <summary>Where a backtest run is in its life: <c>queued</c> → <c>running</c> → <c>completed</c> / <c>failed</c> / <c>cancelled</c>.</summary>
[GenerateSerializer, Alias("backtest-status")]
public enum BacktestStatus
{
    Queued = 0,
    Running = 1,
    Completed = 2,
    Failed = 3,
    Cancelled = 4,
}

/// <summary>What to backtest: a strategy kind and its parameters over one symbol's candles in [From, To).</summary>
/// <remarks><see cref="BenchmarkSymbol"/>: when set, the results add beta, alpha and the benchmark's return, from that
/// symbol's candles of the same timeframe over the same range.</remarks>
[GenerateSerializer, Immutable, Alias("backtest-request.v1")]
public sealed record BacktestRequest(
    [property: Id(0)] StrategyKind Kind,
    [property: Id(1)] ImmutableSortedDictionary<string, decimal> Parameters,
    [property: Id(2)] string Symbol,
    [property: Id(3)] Timeframe Timeframe,
    [property: Id(4)] DateTime FromUtc,
    [property: Id(5)] DateTime ToUtc,
    [property: Id(6)] decimal InitialCapital,
    [property: Id(7)] decimal FeeBps,
    [property: Id(8)] decimal SlippageBps,
    [property: Id(9)] int PeriodsPerYear,
    [property: Id(10)] double RiskFreeRate,
    [property: Id(11)] string? BenchmarkSymbol = null);

/// <summary>A run as its grain holds it (and as the <c>backtest_runs</c> table stores it).</summary>
[GenerateSerializer, Immutable, Alias("backtest-run.v1")]
public sealed record BacktestRun(
    [property: Id(0)] string Id,
    [property: Id(1)] BacktestStatus Status,
    [property: Id(2)] BacktestRequest Request,
    [property: Id(3)] string CreatedBy,
    [property: Id(4)] double Progress,
    [property: Id(5)] DateTimeOffset CreatedAtUtc,
    [property: Id(6)] DateTimeOffset? StartedAtUtc,
    [property: Id(7)] DateTimeOffset? FinishedAtUtc,
    [property: Id(8)] string? Error,
    [property: Id(9)] int Attempts,
    [property: Id(10)] long Bars,
    [property: Id(11)] bool CancelRequested,
    [property: Id(12)] Guid? LeaseId)
{
    public bool IsFinished => Status is BacktestStatus.Completed or BacktestStatus.Failed or BacktestStatus.Cancelled;
}

/// <summary>What goes on the <c>backtest</c> stream (keyed by run id) and so to the <c>backtest:{runId}</c> WebSocket topic: progress, then the final status.</summary>
[GenerateSerializer, Immutable, Alias("backtest-progress.v1")]
public sealed record BacktestProgress(
    [property: Id(0)] string RunId,
    [property: Id(1)] BacktestStatus Status,
    [property: Id(2)] double Progress,
    [property: Id(3)] long Bars,
    [property: Id(4)] DateTimeOffset TimeUtc,
    [property: Id(5)] string? Error);

/// <summary>A queue lease: the run a worker may execute, and the fencing token it must present.</summary>
[GenerateSerializer, Immutable, Alias("backtest-lease.v1")]
public sealed record BacktestLease(
    [property: Id(0)] string RunId,
    [property: Id(1)] Guid LeaseId,
    [property: Id(2)] int Attempt);

/// <summary>The worker's instruction after reporting progress.</summary>
[GenerateSerializer, Alias("backtest-directive")]
public enum BacktestDirective
{
    Continue = 0,
    /// <summary>A cancel was asked for: stop and report <see cref="BacktestStatus.Cancelled"/>.</summary>
    Cancel = 1,
    /// <summary>This lease is no longer the run's (it expired and the run went elsewhere, or it finished): stop and report nothing.</summary>
    Abandon = 2,
}

[GenerateSerializer, Alias("backtest-cancel-outcome")]
public enum CancelOutcome
{
    NotFound = 0,
    /// <summary>Queued runs are cancelled at once; running ones stop within a second.</summary>
    Accepted = 1,
    AlreadyFinished = 2,
}

/// <summary>Filters of <c>GET /v1/runs</c>.</summary>
[GenerateSerializer, Immutable, Alias("backtest-run-query.v1")]
public sealed record BacktestRunQuery(
    [property: Id(0)] BacktestStatus? Status,
    [property: Id(1)] StrategyKind? StrategyKind,
    [property: Id(2)] string? Symbol);

/// <summary>The queue as operators see it: queued run ids in lease order (before fairness), and who runs what.</summary>
[GenerateSerializer, Immutable, Alias("backtest-queue-view.v1")]
public sealed record BacktestQueueView(
    [property: Id(0)] ImmutableArray<string> Queued,
    [property: Id(1)] ImmutableArray<BacktestLeaseView> Running);

[GenerateSerializer, Immutable, Alias("backtest-lease-view.v1")]
public sealed record BacktestLeaseView([property: Id(0)] string RunId, [property: Id(1)] string Worker, [property: Id(2)] int Attempt);
