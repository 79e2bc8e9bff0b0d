using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using TradingPlatform.Candles;
using TradingPlatform.Strategies.Signals;

namespace TradingPlatform.Backtesting;

/// <summary>
/// Executes backtests on this silo: <see cref="BacktestOptions.MaxConcurrentPerSilo"/> slots, each leasing the next
/// run from the cluster-wide queue. A run streams its candles from storage in batches and feeds them to the
/// <see cref="BacktestEngine"/> on a thread-pool thread — never inside a grain turn, so the silo keeps serving
/// while a core is busy. Between batches it reports progress (at most every 250 ms; the answer carries a cancel)
/// and renews its lease every second on a separate loop, so a slow batch cannot look like a dead silo.
/// Results are stored before the run is marked completed.
/// </summary>
public sealed partial class BacktestWorker(
    IGrainFactory grains,
    ICandleStore candles,
    IBacktestStore results,
    IOptions<BacktestOptions> options,
    ILocalSiloDetails silo,
    ILogger<BacktestWorker> logger) : BackgroundService
{
    private static readonly TimeSpan ReportInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(1);

    private IBacktestQueueGrain Queue => grains.GetGrain<IBacktestQueueGrain>(BacktestQueueGrain.Key);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.MaxConcurrentPerSilo)
            .Select(slot => Task.Run(() => Slot($"{silo.SiloAddress}#{slot}", stoppingToken), CancellationToken.None)));

    private async Task Slot(string worker, CancellationToken stoppingToken)
    {
        var poll = TimeSpan.FromMilliseconds(options.Value.PollMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var lease = await Queue.Lease(worker);
                if (lease is null)
                {
                    await Task.Delay(poll + TimeSpan.FromMilliseconds(Random.Shared.Next(0, (int)poll.TotalMilliseconds / 2 + 1)), stoppingToken);
                    continue;
                }
                await Execute(lease, worker, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The silo may still be starting or the queue moving: wait and ask again.
                LogSlotError(logger, worker, e);
                try { await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken); } catch (OperationCanceledException) { return; }
            }
        }
    }

    private async Task Execute(BacktestLease lease, string worker, CancellationToken stoppingToken)
    {
        var run = grains.GetGrain<IBacktestRunGrain>(lease.RunId);
        var started = await run.Start(lease, worker);
        if (started is null)
        {
            await Queue.Release(lease.LeaseId);
            return;
        }

        using var leaseLost = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var renewing = Renew(lease.LeaseId, leaseLost);
        try
        {
            var (status, bars, error) = await Run(started, run, lease.LeaseId, leaseLost.Token);
            if (status is { } finished) await Finish(run, lease.LeaseId, finished, bars, error, leaseLost.Token);
        }
        catch (OperationCanceledException) when (leaseLost.IsCancellationRequested)
        {
            LogAbandoned(logger, lease.RunId, worker);
            if (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: hand the run back now rather than after the lease times out.
                await Queue.Release(lease.LeaseId);
                await run.Interrupted(lease.LeaseId, $"silo {silo.SiloAddress} shut down");
            }
            return; // otherwise the lease was lost: the run already belongs to someone else
        }
        finally
        {
            await leaseLost.CancelAsync();
            await renewing;
        }
        await Queue.Release(lease.LeaseId);
    }

    /// <summary>Runs the engine; returns the final status to report, or null when the run is no longer ours.</summary>
    private async Task<(BacktestStatus? Status, long Bars, string? Error)> Run(BacktestRun started, IBacktestRunGrain run, Guid leaseId, CancellationToken cancellationToken)
    {
        var request = started.Request;
        BacktestEngine engine;
        try
        {
            engine = new BacktestEngine(SignalFactory.Create(request.Kind, request.Parameters),
                new BacktestSettings(request.InitialCapital, request.FeeBps, request.SlippageBps, request.PeriodsPerYear, request.RiskFreeRate));
        }
        catch (ArgumentException e)
        {
            return (BacktestStatus.Failed, 0, e.Message);
        }

        var span = (double)(request.ToUtc - request.FromUtc).Ticks;
        var barLength = request.Timeframe.Length();
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        await using var batches = candles.ReadBatches(request.Symbol, request.Timeframe, request.FromUtc, request.ToUtc,
            options.Value.BatchSize, cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await batches.MoveNextAsync()) break;
                if (batches.Current.Length == 0) continue;
                engine.Run(batches.Current);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // Bad data or storage trouble: a rerun would meet it again, so the run fails with the reason.
                LogRunFailed(logger, started.Id, e);
                return (BacktestStatus.Failed, engine.BarsProcessed, "The run failed: " + e.Message);
            }
            if (clock.Elapsed - lastReport < ReportInterval) continue;
            lastReport = clock.Elapsed;
            var progress = Math.Min(1, (batches.Current[^1].TimeUtc + barLength - request.FromUtc).Ticks / span);
            switch (await Report(run, leaseId, progress, engine.BarsProcessed))
            {
                case BacktestDirective.Cancel: return (BacktestStatus.Cancelled, engine.BarsProcessed, null);
                case BacktestDirective.Abandon: return (null, engine.BarsProcessed, null);
            }
        }

        if (engine.BarsProcessed == 0)
            return (BacktestStatus.Failed, 0,
                $"No {request.Timeframe.WireName()} candles for {request.Symbol} from {request.FromUtc:O} to {request.ToUtc:O}; import some with POST /v1/candles/import.");

        // A cancel that arrived during the last batch still wins over completing.
        var directive = await Report(run, leaseId, 1, engine.BarsProcessed);
        if (directive != BacktestDirective.Continue)
            return directive == BacktestDirective.Cancel ? (BacktestStatus.Cancelled, engine.BarsProcessed, null) : (null, engine.BarsProcessed, null);
        var result = engine.Complete();
        if (request.BenchmarkSymbol is { } benchmark)
        {
            try
            {
                result = await CompareWithBenchmark(result, request, benchmark, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogRunFailed(logger, started.Id, e);
                return (BacktestStatus.Failed, engine.BarsProcessed, $"The benchmark {benchmark} could not be read: {e.Message}");
            }
        }
        await results.SaveResults(started.Id, result, cancellationToken);
        return (BacktestStatus.Completed, engine.BarsProcessed, null);
    }

    /// <summary>
    /// Beta, alpha and the benchmark's return, from the benchmark's bars of the run's timeframe over the run's range
    /// (validated to exist when the run was created; a benchmark without bars leaves beta and alpha null).
    /// </summary>
    private async Task<BacktestResult> CompareWithBenchmark(BacktestResult result, BacktestRequest request, string benchmark, CancellationToken cancellationToken)
    {
        var series = new BenchmarkSeries();
        await foreach (var batch in candles.ReadBatches(benchmark, request.Timeframe, request.FromUtc, request.ToUtc, options.Value.BatchSize, cancellationToken))
            series.Add(batch);
        var comparison = BenchmarkMetrics.Compare(benchmark, request.InitialCapital, result.EquityCurve, series, request.PeriodsPerYear, request.RiskFreeRate);
        return result with
        {
            Metrics = result.Metrics with
            {
                BenchmarkSymbol = benchmark,
                Beta = comparison.Beta,
                Alpha = comparison.Alpha,
                BenchmarkReturn = comparison.Return,
            },
        };
    }

    /// <summary>
    /// Progress to the run grain. A failed call (the grain's silo just died and it is moving) is not the run's failure:
    /// the run goes on, and the lease decides whether it is still ours.
    /// </summary>
    private async Task<BacktestDirective> Report(IBacktestRunGrain run, Guid leaseId, double progress, long bars)
    {
        try
        {
            return await run.Progress(leaseId, progress, bars);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogReportFailed(logger, run.GetPrimaryKeyString(), e);
            return BacktestDirective.Continue;
        }
    }

    /// <summary>The final status, retried while the run grain moves; if it never lands, the lease expires and the run is started again.</summary>
    private async Task Finish(IBacktestRunGrain run, Guid leaseId, BacktestStatus status, long bars, string? error, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await run.Finish(leaseId, status, bars, error);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException && attempt < 5)
            {
                LogReportFailed(logger, run.GetPrimaryKeyString(), e);
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken);
            }
        }
    }

    private async Task Renew(Guid leaseId, CancellationTokenSource leaseLost)
    {
        try
        {
            while (!leaseLost.IsCancellationRequested)
            {
                await Task.Delay(RenewInterval, leaseLost.Token);
                try
                {
                    if (!await Queue.Renew(leaseId))
                    {
                        await leaseLost.CancelAsync();
                        return;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRenewFailed(logger, leaseId, e); // keep running; the queue expires the lease if this goes on
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backtest worker {Worker}: queue unavailable")]
    private static partial void LogSlotError(ILogger logger, string worker, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backtest {RunId} abandoned by {Worker} (lease lost or shutting down)")]
    private static partial void LogAbandoned(ILogger logger, string runId, string worker);

    [LoggerMessage(Level = LogLevel.Error, Message = "Backtest {RunId} failed")]
    private static partial void LogRunFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backtest {RunId}: report to the run grain failed")]
    private static partial void LogReportFailed(ILogger logger, string runId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backtest lease {LeaseId}: renew failed")]
    private static partial void LogRenewFailed(ILogger logger, Guid leaseId, Exception exception);
}
