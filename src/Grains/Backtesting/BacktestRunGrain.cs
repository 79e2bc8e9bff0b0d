using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;
using TradingPlatform.Common;
using TradingPlatform.Storage;

namespace TradingPlatform.Backtesting;

/// <summary>
/// One backtest run. Its row in <see cref="IBacktestStore"/> is its state: loaded on activation, written on every
/// status change (progress lives in memory and on the stream). The grain decides every transition and fences the
/// worker by lease id, so a worker that lost its lease (its run went to another silo) can no longer report.
/// A watchdog reminder, registered while the run is unfinished, puts a run back on the queue when the queue no
/// longer holds it (a lost message, a lost lease) — a run is never left <c>running</c> with nobody running it.
/// </summary>
[GrainType("backtest-run")]
public sealed partial class BacktestRunGrain(
    IBacktestStore store,
    TimeProvider clock,
    IOptions<BacktestOptions> options,
    ILogger<BacktestRunGrain> logger) : Grain, IBacktestRunGrain, IRemindable
{
    private const string Watchdog = "watchdog";
    private static readonly TimeSpan MinProgressInterval = TimeSpan.FromMilliseconds(250);
    private const double MinProgressStep = 0.01;

    private BacktestRun? _run;
    private IAsyncStream<BacktestProgress>? _stream;
    private double _publishedProgress;
    private DateTimeOffset _publishedAt;

    private IBacktestQueueGrain Queue => GrainFactory.GetGrain<IBacktestQueueGrain>(BacktestQueueGrain.Key);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var id = this.GetPrimaryKeyString();
        _stream = this.GetStreamProvider(StorageNames.Streams).GetStream<BacktestProgress>(StreamId.Create(TradingStreams.Backtest, id));
        _run = await store.Get(id, cancellationToken);
    }

    public async Task<BacktestRun?> Create(BacktestRequest request, string createdBy)
    {
        if (_run is not null) return null;
        if (BacktestRules.Validate(request).Count > 0) throw new ArgumentException("Invalid backtest request.", nameof(request));
        var run = new BacktestRun(this.GetPrimaryKeyString(), BacktestStatus.Queued, request, createdBy, 0, clock.GetUtcNow(),
            null, null, null, 0, 0, false, null);
        if (!await store.Insert(run))
        {
            _run = await store.Get(run.Id);
            return null;
        }
        _run = run;
        await this.RegisterOrUpdateReminder(Watchdog, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        await Queue.Enqueue(run.Id, createdBy, 0, front: false);
        await Publish(force: true);
        return run;
    }

    public Task<BacktestRun?> Get() => Task.FromResult(_run ?? this.ForgetUnknown<BacktestRun?>(null));

    public async Task<CancelOutcome> Cancel()
    {
        if (_run is null) return this.ForgetUnknown(CancelOutcome.NotFound);
        if (_run.IsFinished) return CancelOutcome.AlreadyFinished;
        if (_run.Status == BacktestStatus.Queued && await Queue.Remove(_run.Id))
        {
            await Transition(_run with { Status = BacktestStatus.Cancelled, FinishedAtUtc = clock.GetUtcNow(), CancelRequested = true, LeaseId = null });
            return CancelOutcome.Accepted;
        }
        // Running (or being leased right now): the worker sees this on its next progress report, within 250 ms.
        if (!_run.CancelRequested) await Save(_run with { CancelRequested = true });
        return CancelOutcome.Accepted;
    }

    public async Task<BacktestRun?> Start(BacktestLease lease, string worker)
    {
        if (_run is null || _run.IsFinished) return null;
        if (_run.CancelRequested)
        {
            await Transition(_run with { Status = BacktestStatus.Cancelled, FinishedAtUtc = clock.GetUtcNow(), LeaseId = null });
            return null;
        }
        var run = _run with
        {
            Status = BacktestStatus.Running, StartedAtUtc = clock.GetUtcNow(), Progress = 0, Bars = 0,
            Attempts = Math.Max(_run.Attempts, lease.Attempt) + 1, LeaseId = lease.LeaseId,
        };
        LogStarted(logger, run.Id, worker, run.Attempts);
        await Transition(run);
        return run;
    }

    public async Task<BacktestDirective> Progress(Guid leaseId, double progress, long bars)
    {
        if (_run is null || _run.IsFinished || _run.LeaseId != leaseId) return BacktestDirective.Abandon;
        if (_run.CancelRequested) return BacktestDirective.Cancel;
        _run = _run with { Progress = Math.Clamp(progress, 0, 1), Bars = bars };
        await Publish(force: false);
        return BacktestDirective.Continue;
    }

    public async Task Finish(Guid leaseId, BacktestStatus status, long bars, string? error)
    {
        if (_run is null || _run.IsFinished || _run.LeaseId != leaseId) return;
        if (status is not (BacktestStatus.Completed or BacktestStatus.Failed or BacktestStatus.Cancelled))
            throw new ArgumentOutOfRangeException(nameof(status), status, "A run finishes completed, failed or cancelled.");
        await Transition(_run with
        {
            Status = status, Bars = bars, Error = error, FinishedAtUtc = clock.GetUtcNow(), LeaseId = null,
            Progress = status == BacktestStatus.Completed ? 1 : _run.Progress,
        });
    }

    public async Task Interrupted(Guid leaseId, string reason)
    {
        if (_run is null || _run.IsFinished || _run.LeaseId != leaseId) return;
        await Recover(reason);
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != Watchdog) return;
        if (_run is null || _run.IsFinished)
        {
            await Forget();
            return;
        }
        if (await Queue.Holds(_run.Id)) return;
        if (_run.Status == BacktestStatus.Queued)
        {
            LogRequeued(logger, _run.Id, "the queue did not hold it");
            await Queue.Enqueue(_run.Id, _run.CreatedBy, _run.Attempts, front: true);
        }
        else await Recover("its worker's lease was lost");
    }

    /// <summary>The run's worker is gone: run it again elsewhere, or fail it after <see cref="BacktestOptions.MaxAttempts"/> starts.</summary>
    private async Task Recover(string reason)
    {
        var run = _run!;
        if (run.CancelRequested)
        {
            await Transition(run with { Status = BacktestStatus.Cancelled, FinishedAtUtc = clock.GetUtcNow(), LeaseId = null });
            return;
        }
        if (run.Attempts >= options.Value.MaxAttempts)
        {
            await Transition(run with
            {
                Status = BacktestStatus.Failed, FinishedAtUtc = clock.GetUtcNow(), LeaseId = null,
                Error = $"Stopped after {run.Attempts} attempts: {reason}.",
            });
            return;
        }
        LogRequeued(logger, run.Id, reason);
        await Transition(run with { Status = BacktestStatus.Queued, Progress = 0, Bars = 0, LeaseId = null, Error = $"Requeued: {reason}." });
        await Queue.Enqueue(run.Id, run.CreatedBy, run.Attempts, front: true);
    }

    private async Task Transition(BacktestRun run)
    {
        await Save(run);
        await Publish(force: true);
        if (run.IsFinished) await Forget();
    }

    private async Task Save(BacktestRun run)
    {
        await store.Update(run);
        _run = run;
    }

    private async Task Forget()
    {
        var reminder = await this.GetReminder(Watchdog);
        if (reminder is not null) await this.UnregisterReminder(reminder);
    }

    /// <summary>Status changes always go out; progress at most every 1 % and 250 ms.</summary>
    private async Task Publish(bool force)
    {
        var run = _run!;
        var now = clock.GetUtcNow();
        if (!force && (run.Progress - _publishedProgress < MinProgressStep || now - _publishedAt < MinProgressInterval)) return;
        _publishedProgress = run.Progress;
        _publishedAt = now;
        try
        {
            await _stream!.OnNextAsync(new BacktestProgress(run.Id, run.Status, run.Progress, run.Bars, now, run.Error));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Progress is a notification: the run's state is already stored and GET /v1/runs/{id} serves it.
            LogPublishFailed(logger, run.Id, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Backtest {RunId} started on {Worker} (attempt {Attempt})")]
    private static partial void LogStarted(ILogger logger, string runId, string worker, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backtest {RunId} requeued: {Reason}")]
    private static partial void LogRequeued(ILogger logger, string runId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backtest {RunId}: progress not published")]
    private static partial void LogPublishFailed(ILogger logger, string runId, Exception exception);
}
