using System.Globalization;
using Orleans.Streams;
using Microsoft.Extensions.Logging;
using TradingPlatform.Common;
using TradingPlatform.Risk.Delivery;
using TradingPlatform.Storage;

namespace TradingPlatform.Risk;

[GenerateSerializer, Alias("alert-state.v1")]
public sealed class AlertGrainState
{
    [Id(0)] public List<Alert> Alerts { get; set; } = [];
    [Id(1)] public long NextId { get; set; } = 1;

    /// <summary>
    /// Alerts stored with this state whose deliveries may not be recorded yet: written with the alert, cleared (in
    /// memory, persisted with the next write) once the outbox took them, re-enqueued on activation (idempotent).
    /// </summary>
    [Id(2)] public List<Alert> Undelivered { get; set; } = [];
}

/// <summary>
/// Risk alerts, newest first. Alerts are rare (kill-switch changes and trips), so each is persisted
/// before it is returned; the oldest beyond <see cref="Capacity"/> are dropped. A stored alert is then handed to the
/// <see cref="AlertOutbox"/> (one pending delivery per configured notifier, a row insert); sending happens on the
/// silos' delivery workers, never in this turn. The alert is in <see cref="AlertGrainState.Undelivered"/> in the same
/// write, so a crash between the two steps is repaired on the next activation (at least once, never twice: the
/// store ignores a second enqueue of the same alert).
/// </summary>
[GrainType("alerts")]
public sealed partial class AlertGrain(
    [PersistentState("alerts", StorageNames.Trading)] IPersistentState<AlertGrainState> state,
    AlertOutbox outbox,
    TimeProvider clock,
    ILogger<AlertGrain> logger) : Grain, IAlertGrain
{
    public const int Capacity = 10_000;

    /// <summary>Alerts kept for a later enqueue while the delivery store is unavailable (the oldest go first).</summary>
    public const int MaxUndelivered = 1_000;

    private IAsyncStream<Alert>? _stream;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(StorageNames.Streams).GetStream<Alert>(TradingStreams.Id(TradingStreams.Alerts));
        return EnqueueUndelivered();
    }

    public async Task<Alert> Raise(AlertSpec spec)
    {
        var alert = new Alert("alert-" + state.State.NextId.ToString(CultureInfo.InvariantCulture), spec.Severity, spec.Kind, spec.Message,
            spec.StrategyId, clock.GetUtcNow(), false, null, null);
        var undelivered = outbox.Enabled ? [.. state.State.Undelivered.TakeLast(MaxUndelivered - 1), alert] : new List<Alert>();
        var next = new AlertGrainState { Alerts = [alert, .. state.State.Alerts.Take(Capacity - 1)], NextId = state.State.NextId + 1, Undelivered = undelivered };
        await state.Replace(next, this);
        await EnqueueUndelivered();
        await Publish(alert);
        return alert;
    }

    public Task<Page<Alert>> List(AlertQuery query, PageRequest page)
    {
        var matching = state.State.Alerts.Where(a =>
            (query.Severity is null || a.Severity == query.Severity) && (query.Acknowledged is null || a.Acknowledged == query.Acknowledged)).ToList();
        var items = matching.Skip((int)Math.Min(page.Skip, int.MaxValue)).Take(page.PerPage).ToArray();
        return Task.FromResult(new Page<Alert>(items, page.Page, page.PerPage, matching.Count));
    }

    public async Task<Alert?> Acknowledge(string alertId, string actor)
    {
        var index = state.State.Alerts.FindIndex(a => a.Id == alertId);
        if (index < 0) return null;
        var alert = state.State.Alerts[index];
        if (alert.Acknowledged) return alert;
        var acknowledged = alert with { Acknowledged = true, AcknowledgedBy = actor, AcknowledgedAtUtc = clock.GetUtcNow() };
        var alerts = new List<Alert>(state.State.Alerts) { [index] = acknowledged };
        await state.Replace(new AlertGrainState { Alerts = alerts, NextId = state.State.NextId, Undelivered = state.State.Undelivered }, this);
        await Publish(acknowledged);
        return acknowledged;
    }

    /// <summary>Hands the undelivered alerts to the outbox; on failure they stay and are tried again with the next alert or activation.</summary>
    private async Task EnqueueUndelivered()
    {
        if (state.State.Undelivered.Count == 0) return;
        if (!outbox.Enabled)
        {
            state.State.Undelivered = [];
            return;
        }
        var pending = state.State.Undelivered.ToList();
        try
        {
            await outbox.Enqueue(pending);
            state.State.Undelivered = []; // persisted with the next write; until then an activation re-enqueues (a no-op)
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            AlertDeliveryMetrics.Outcome("enqueue_failed", pending.Count);
            LogEnqueueFailed(logger, pending.Count, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} stored alert(s) could not be queued for delivery; they are queued again with the next alert or activation")]
    private static partial void LogEnqueueFailed(ILogger logger, int count, Exception exception);

    private async Task Publish(Alert alert)
    {
        if (_stream is null) return;
        try
        {
            await _stream.OnNextAsync(alert);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Stored already; the stream is a notification only.
            _ = e;
        }
    }
}
