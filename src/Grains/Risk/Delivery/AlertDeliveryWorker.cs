using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace TradingPlatform.Risk.Delivery;

/// <summary>
/// Sends pending alert deliveries from this silo. Every silo runs one; they share the work through the store's
/// claims (a claimed delivery is invisible to the others for <see cref="AlertDeliveryOptions.Lease"/>), so each
/// delivery is attempted by one silo at a time, and deliveries left pending by a stopped silo are picked up by the
/// others, or by the same silo when it starts again. Outside any grain: a slow receiver holds only this loop.
/// The same loop applies retention (<see cref="AlertDeliveryOptions.RetainDays"/>): every <see cref="PruneInterval"/>
/// (and at start) it deletes finished deliveries older than that in batches of <see cref="PruneBatch"/>, the next batch
/// at the next poll while batches come back full. It runs with no notifier configured too (deliveries recorded while
/// one was still age out).
/// </summary>
public sealed partial class AlertDeliveryWorker(
    IEnumerable<INotifier> notifiers,
    IAlertDeliveryStore store,
    AlertDeliverySignal signal,
    IOptions<AlertDeliveryOptions> options,
    TimeProvider clock,
    ILogger<AlertDeliveryWorker> logger) : BackgroundService
{
    /// <summary>How often retention looks for finished deliveries to delete (by this silo's clock).</summary>
    public static readonly TimeSpan PruneInterval = TimeSpan.FromMinutes(10);

    /// <summary>Deliveries deleted per statement: short transactions, no long lock on the table.</summary>
    public const int PruneBatch = 1_000;

    private readonly Dictionary<string, INotifier> _notifiers = notifiers.ToDictionary(n => n.Name, StringComparer.Ordinal);
    private DateTimeOffset _nextPruneAt = DateTimeOffset.MinValue;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        var o = options.Value;
        var poll = TimeSpan.FromMilliseconds(o.PollMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            // No notifier configured: nothing is ever attempted (retention still runs).
            var claimed = _notifiers.Count > 0 ? await SendDue(stoppingToken) : 0;
            if (claimed is null || !await Prune(stoppingToken)) return;
            if (claimed < o.BatchSize)
            {
                try
                {
                    await signal.Wait(poll + TimeSpan.FromMilliseconds(Random.Shared.Next(0, o.PollMilliseconds / 4 + 1)), stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Claims one batch of due deliveries and attempts them. Returns how many were claimed; null when the silo is stopping.</summary>
    private async Task<int?> SendDue(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var claimed = 0;
        try
        {
            var batch = await store.Claim(clock.GetUtcNow(), o.Lease, o.BatchSize, stoppingToken);
            claimed = batch.Count;
            // Not cancelled by the stop itself: every claimed delivery is either attempted or given back (Attempt).
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = o.MaxConcurrency },
                async (delivery, _) => await Attempt(delivery, stoppingToken));
            stoppingToken.ThrowIfCancellationRequested();
            AlertDeliveryMetrics.Depth(await store.CountPending(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return null;
        }
        catch (Exception e)
        {
            // The store may be down: claimed deliveries come back when their lease ends. Wait and look again.
            LogWorkerError(logger, e);
        }
        return claimed;
    }

    /// <summary>One retention batch when one is due. False when the silo is stopping.</summary>
    private async Task<bool> Prune(CancellationToken stoppingToken)
    {
        var now = clock.GetUtcNow();
        if (now < _nextPruneAt) return true;
        try
        {
            var pruned = await store.Prune(now - options.Value.Retention, PruneBatch, stoppingToken);
            if (pruned > 0)
            {
                AlertDeliveryMetrics.PrunedCount(pruned);
                LogPruned(logger, pruned, options.Value.RetainDays);
            }
            _nextPruneAt = pruned >= PruneBatch ? now : now + PruneInterval; // a full batch: more may be waiting
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception e)
        {
            // The store may be down: retention is not urgent, try again next interval.
            LogPruneError(logger, e);
            _nextPruneAt = now + PruneInterval;
        }
        return true;
    }

    private async Task Attempt(ClaimedAlertDelivery delivery, CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!_notifiers.TryGetValue(delivery.Notifier, out var notifier))
        {
            // Recorded for a notifier this silo does not have (configuration changed): final, and said so.
            await Finish(delivery, AlertDeliveryStatus.Failed, null, $"Notifier '{delivery.Notifier}' is not configured on this silo", null);
            return;
        }
        if (stoppingToken.IsCancellationRequested)
        {
            await store.Release(delivery.Id, delivery.Attempt, clock.GetUtcNow(), CancellationToken.None);
            return;
        }
        var started = Stopwatch.GetTimestamp();
        NotificationResult result;
        try
        {
            result = await notifier.Send(new Notification(delivery.Id, delivery.Event, delivery.Payload, delivery.Attempt), stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The silo is stopping mid-attempt: give the delivery back at once instead of letting its lease run out.
            await store.Release(delivery.Id, delivery.Attempt, clock.GetUtcNow(), CancellationToken.None);
            return;
        }
        AlertDeliveryMetrics.Attempt(notifier.Name, Stopwatch.GetElapsedTime(started));
        var now = clock.GetUtcNow();
        if (result.Delivered)
        {
            if (await Finish(delivery, AlertDeliveryStatus.Delivered, result.StatusCode, null, null))
            {
                AlertDeliveryMetrics.Outcome("delivered");
                AlertDeliveryMetrics.Delivered(notifier.Name, now - delivery.CreatedAtUtc);
            }
            return;
        }
        if (result.Retryable && delivery.Attempt < o.MaxAttempts)
        {
            var wait = DeliveryBackoff.Delay(delivery.Attempt, TimeSpan.FromMilliseconds(o.InitialBackoffMilliseconds),
                TimeSpan.FromMilliseconds(o.MaxBackoffMilliseconds), Random.Shared.NextDouble());
            if (await Finish(delivery, AlertDeliveryStatus.Pending, result.StatusCode, result.Error, now + wait))
            {
                AlertDeliveryMetrics.Outcome("retried");
                LogRetry(logger, delivery.Id, delivery.AlertId, delivery.Attempt, result.Error, wait.TotalMilliseconds);
            }
            return;
        }
        if (await Finish(delivery, AlertDeliveryStatus.Failed, result.StatusCode, result.Error, null))
        {
            AlertDeliveryMetrics.Outcome("failed");
            LogFailed(logger, delivery.Id, delivery.AlertId, delivery.Attempt, result.Error);
        }
    }

    /// <summary>Records an attempt's outcome; not cancelled by a stop (a short write), so no finished attempt is left to its lease.</summary>
    private Task<bool> Finish(ClaimedAlertDelivery delivery, AlertDeliveryStatus status, int? statusCode, string? error, DateTimeOffset? next) =>
        store.Complete(delivery.Id, delivery.Attempt, status, statusCode, error, clock.GetUtcNow(), next, CancellationToken.None);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert delivery {DeliveryId} (alert {AlertId}) attempt {Attempt} failed: {Error}; retrying in {WaitMilliseconds:0} ms")]
    private static partial void LogRetry(ILogger logger, string deliveryId, string alertId, int attempt, string? error, double waitMilliseconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert delivery {DeliveryId} (alert {AlertId}) failed for good after attempt {Attempt}: {Error}")]
    private static partial void LogFailed(ILogger logger, string deliveryId, string alertId, int attempt, string? error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Alert delivery retention deleted {Count} finished deliveries older than {RetainDays} days")]
    private static partial void LogPruned(ILogger logger, int count, int retainDays);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert delivery retention could not prune the delivery store; trying again later")]
    private static partial void LogPruneError(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert delivery worker could not reach the delivery store; trying again")]
    private static partial void LogWorkerError(ILogger logger, Exception exception);
}
