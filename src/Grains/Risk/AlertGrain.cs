using System.Globalization;
using Orleans.Streams;
using TradingPlatform.Common;
using TradingPlatform.Storage;

namespace TradingPlatform.Risk;

[GenerateSerializer, Alias("alert-state.v1")]
public sealed class AlertGrainState
{
    [Id(0)] public List<Alert> Alerts { get; set; } = [];
    [Id(1)] public long NextId { get; set; } = 1;
}

/// <summary>
/// Risk alerts, newest first. Alerts are rare (kill-switch changes and trips), so each is persisted
/// before it is returned; the oldest beyond <see cref="Capacity"/> are dropped.
/// </summary>
[GrainType("alerts")]
public sealed class AlertGrain(
    [PersistentState("alerts", StorageNames.Trading)] IPersistentState<AlertGrainState> state,
    TimeProvider clock) : Grain, IAlertGrain
{
    public const int Capacity = 10_000;

    private IAsyncStream<Alert>? _stream;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(StorageNames.Streams).GetStream<Alert>(TradingStreams.Id(TradingStreams.Alerts));
        return Task.CompletedTask;
    }

    public async Task<Alert> Raise(AlertSpec spec)
    {
        var alert = new Alert("alert-" + state.State.NextId.ToString(CultureInfo.InvariantCulture), spec.Severity, spec.Kind, spec.Message,
            spec.StrategyId, clock.GetUtcNow(), false, null, null);
        var next = new AlertGrainState { Alerts = [alert, .. state.State.Alerts.Take(Capacity - 1)], NextId = state.State.NextId + 1 };
        await state.Replace(next, this);
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
        await state.Replace(new AlertGrainState { Alerts = alerts, NextId = state.State.NextId }, this);
        await Publish(acknowledged);
        return acknowledged;
    }

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
