using Orleans.Concurrency;

namespace TradingPlatform.Backtesting;

/// <summary>
/// One backtest run (key: the run id). Holds the run's state in memory and in the <c>backtest_runs</c> table,
/// publishes progress, and fences the worker that executes it: only the current lease may report.
/// The CPU work itself runs in a silo's <c>BacktestWorker</c>, off any grain turn.
/// </summary>
[Alias("backtest-run")]
public interface IBacktestRunGrain : IGrainWithStringKey
{
    /// <summary>
    /// Creates the run and puts it on the queue; answers the run as created (<c>queued</c>), or null when the id is
    /// taken. The caller answers with this, not a later <see cref="Get"/>: a worker may start the run in between.
    /// </summary>
    [Alias("create")]
    Task<BacktestRun?> Create(BacktestRequest request, string createdBy);

    /// <summary>The run, or null when there is none with this id.</summary>
    [Alias("get")]
    Task<BacktestRun?> Get();

    [Alias("cancel")]
    Task<CancelOutcome> Cancel();

    /// <summary>A worker starts executing under <paramref name="lease"/>; null when the run must not run (cancelled, finished, or not this lease).</summary>
    [Alias("start")]
    Task<BacktestRun?> Start(BacktestLease lease, string worker);

    /// <summary>Progress from the worker (at most every 250 ms); says whether to go on.</summary>
    [Alias("progress")]
    Task<BacktestDirective> Progress(Guid leaseId, double progress, long bars);

    /// <summary>The worker is done: results are already persisted when the status is completed.</summary>
    [Alias("finish")]
    Task Finish(Guid leaseId, BacktestStatus status, long bars, string? error);

    /// <summary>The queue lost the run's lease (its silo died or stopped reporting): requeue it or fail it.</summary>
    [OneWay, Alias("interrupted")]
    Task Interrupted(Guid leaseId, string reason);
}

/// <summary>
/// The cluster-wide queue of backtest runs (key <c>all</c>): fair between users (round robin, FIFO per user),
/// leased to silo workers that have a free slot, with heartbeats; a lease that stops beating is taken back and
/// the run requeued (or failed after too many attempts).
/// </summary>
[Alias("backtest-queue")]
public interface IBacktestQueueGrain : IGrainWithStringKey
{
    [Alias("enqueue")]
    Task Enqueue(string runId, string user, int attempt, bool front);

    /// <summary>Takes a queued run off the queue (cancel). False when it is not queued.</summary>
    [Alias("remove")]
    Task<bool> Remove(string runId);

    /// <summary>The next run for <paramref name="worker"/>, or null when nothing is queued.</summary>
    [Alias("lease")]
    Task<BacktestLease?> Lease(string worker);

    /// <summary>Heartbeat of a lease; false when the lease is no longer held.</summary>
    [Alias("renew")]
    Task<bool> Renew(Guid leaseId);

    [Alias("release")]
    Task Release(Guid leaseId);

    /// <summary>Whether the run is queued or leased right now.</summary>
    [Alias("holds")]
    Task<bool> Holds(string runId);

    [Alias("describe")]
    Task<BacktestQueueView> Describe();
}
