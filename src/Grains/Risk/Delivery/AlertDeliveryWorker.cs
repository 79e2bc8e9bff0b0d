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
/// </summary>
public sealed partial class AlertDeliveryWorker(
    IEnumerable<INotifier> notifiers,
    IAlertDeliveryStore store,
    AlertDeliverySignal signal,
    IOptions<AlertDeliveryOptions> options,
    TimeProvider clock,
    ILogger<AlertDeliveryWorker> logger) : BackgroundService
{
    private readonly Dictionary<string, INotifier> _notifiers = notifiers.ToDictionary(n => n.Name, StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_notifiers.Count == 0) return; // no notifier configured: nothing is ever attempted
        await Task.Yield();
        var o = options.Value;
        var poll = TimeSpan.FromMilliseconds(o.PollMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
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
                return;
            }
            catch (Exception e)
            {
                // The store may be down: claimed deliveries come back when their lease ends. Wait and look again.
                LogWorkerError(logger, e);
            }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert delivery worker could not reach the delivery store; trying again")]
    private static partial void LogWorkerError(ILogger logger, Exception exception);
}
