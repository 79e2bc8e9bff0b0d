using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Orleans.Streams;
using TradingPlatform.Common;
using TradingPlatform.Storage;
using TradingPlatform.Strategies;

namespace TradingPlatform.Risk;

[GenerateSerializer, Alias("kill-switch-state.v1")]
public sealed class KillSwitchGrainState
{
    [Id(0)] public ScopeState Global { get; set; } = ScopeState.Active;
    [Id(1)] public Dictionary<string, ScopeState> Strategies { get; set; } = new(StringComparer.Ordinal);
    [Id(2)] public long Version { get; set; }

    public KillSwitchGrainState Copy() => new()
    {
        Global = Global,
        Strategies = new Dictionary<string, ScopeState>(Strategies, StringComparer.Ordinal),
        Version = Version,
    };

    public RiskControls ControlsFor(string strategyId) =>
        new(Global.State, Strategies.TryGetValue(strategyId, out var scope) ? scope.State : KillSwitchState.Active, Version);

    public KillSwitchSnapshot ToSnapshot() => new(
        Global,
        Strategies.Where(s => s.Value.State != KillSwitchState.Active || s.Value.ChangedBy is not null)
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .Select(s => new StrategyScopeState(s.Key, s.Value.State, s.Value.Reason, s.Value.ChangedBy, s.Value.ChangedAtUtc))
            .ToArray(),
        Version);
}

/// <summary>
/// The kill switch. A change is persisted, then pushed to every live strategy activation (each
/// acknowledges once the new controls hold for its next order), and only then does
/// <see cref="Engage"/> return. Strategy activations attach on activation and read the newest
/// persisted state; after this grain itself re-activates (a silo died) it no longer knows who is
/// attached, so the next global change goes to every registered strategy.
/// </summary>
[GrainType("kill-switch")]
public sealed partial class KillSwitchGrain(
    [PersistentState("kill-switch", StorageNames.Trading)] IPersistentState<KillSwitchGrainState> state,
    IAuditLog audit,
    TimeProvider clock,
    ILogger<KillSwitchGrain> logger) : Grain, IKillSwitchGrain
{
    private static readonly JsonSerializerOptions AuditJson = new(JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Live strategy activations: strategy id → the activation that attached last.</summary>
    private readonly Dictionary<string, Guid> _attached = new(StringComparer.Ordinal);
    private bool _attachedComplete;
    private IAsyncStream<KillSwitchSnapshot>? _stream;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stream = this.GetStreamProvider(StorageNames.Streams).GetStream<KillSwitchSnapshot>(TradingStreams.Id(TradingStreams.KillSwitch));
        // Stay active while the silo lives: the attached set is what makes a change reach everyone quickly.
        DelayDeactivation(TimeSpan.FromDays(3650));
        return Task.CompletedTask;
    }

    public Task<KillSwitchSnapshot> Get() => Task.FromResult(state.State.ToSnapshot());

    public Task<RiskControls> Attach(string strategyId, Guid activationId)
    {
        _attached[strategyId] = activationId;
        return Task.FromResult(state.State.ControlsFor(strategyId));
    }

    public Task Detach(string strategyId, Guid activationId)
    {
        if (_attached.TryGetValue(strategyId, out var current) && current == activationId) _attached.Remove(strategyId);
        return Task.CompletedTask;
    }

    public async Task<KillSwitchOutcome> Engage(KillSwitchCommand command)
    {
        var started = Stopwatch.GetTimestamp();
        if (command.StrategyId is { } id && await GrainFactory.GetGrain<IStrategyGrain>(id).Get() is null)
            return new KillSwitchOutcome(KillSwitchOutcomeKind.NotFound, Detail: $"Strategy '{id}' does not exist.");

        var before = state.State.ToSnapshot();
        var scope = new ScopeState(command.State, command.Reason, command.Actor, clock.GetUtcNow());
        var next = state.State.Copy();
        next.Version++;
        if (command.StrategyId is { } strategyId) next.Strategies[strategyId] = scope;
        else next.Global = scope;
        await state.Replace(next, this);

        var applied = await Push(command);
        var after = state.State.ToSnapshot();
        TradingMetrics.KillSwitchChanged(command.Scope, command.State, Stopwatch.GetElapsedTime(started));
        LogChanged(logger, command.Scope, WireNames.Of(command.State), command.Actor, command.Reason);

        await Record(command.Actor, "kill_switch.change", command.Scope, before, after,
            Severity(command.State), command.Actor == KillSwitchActors.PortfolioTrip ? "portfolio_auto_trip" : "kill_switch_changed",
            $"Kill switch {command.Scope} set to {WireNames.Of(command.State)} by {command.Actor}: {command.Reason}", command.StrategyId);
        return new KillSwitchOutcome(KillSwitchOutcomeKind.Ok, after, applied);
    }

    /// <summary>
    /// A strategy halted itself (its status is halted and persisted). The operator's strategy scope is
    /// left as it is; releasing the strategy is a change of that scope (to active) through <see cref="Engage"/>.
    /// </summary>
    public async Task StrategyTripped(string strategyId, string reason)
    {
        var snapshot = state.State.ToSnapshot();
        await Record(KillSwitchActors.StrategyTrip, "strategy.auto_trip", $"strategy:{strategyId}", null, snapshot,
            AlertSeverity.Critical, "strategy_auto_trip", $"Strategy {strategyId} halted itself: {reason}", strategyId, publish: false);
    }

    /// <summary>Tells every strategy that must know, and waits until each holds the new controls.</summary>
    private async Task<ControlsApplied> Push(KillSwitchCommand command)
    {
        IReadOnlyCollection<string> targets;
        if (command.StrategyId is { } one) targets = [one];
        else if (_attachedComplete) targets = _attached.Keys.ToArray();
        else targets = await AllStrategies();

        var calls = targets.Select(id => GrainFactory.GetGrain<IStrategyGrain>(id)
            .ApplyControls(state.State.ControlsFor(id), command.CancelOpenOrders, command.Flatten)).ToArray();
        var results = await Task.WhenAll(calls);
        if (command.StrategyId is null)
        {
            // Everyone registered has now been reached (and is attached again if it activated for this).
            foreach (var id in targets) _attached.TryAdd(id, Guid.Empty);
            _attachedComplete = true;
        }
        return results.Aggregate(ControlsApplied.None, (sum, r) => sum.Plus(r));
    }

    private async Task<IReadOnlyCollection<string>> AllStrategies()
    {
        var ids = new List<string>(await GrainFactory.Registry(Registries.Strategies).ListAll());
        var known = ids.ToHashSet(StringComparer.Ordinal);
        ids.AddRange(_attached.Keys.Where(a => !known.Contains(a)));
        return ids;
    }

    private async Task Record(string actor, string action, string target, KillSwitchSnapshot? before, KillSwitchSnapshot after,
        AlertSeverity severity, string alertKind, string message, string? strategyId, bool publish = true)
    {
        try
        {
            await audit.Append(actor, action, target, before is null ? null : JsonSerializer.Serialize(before, AuditJson), JsonSerializer.Serialize(after, AuditJson));
            await GrainFactory.GetGrain<IAlertGrain>(IAlertGrain.Key).Raise(new AlertSpec(severity, alertKind, message, strategyId));
            if (publish && _stream is not null) await _stream.OnNextAsync(after);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The change itself is persisted and in force; the record of it is best effort and logged.
            LogRecordFailed(logger, target, e);
        }
    }

    private static AlertSeverity Severity(KillSwitchState state) => state switch
    {
        KillSwitchState.Halted => AlertSeverity.Critical,
        KillSwitchState.Reducing => AlertSeverity.Warning,
        _ => AlertSeverity.Info,
    };

    [LoggerMessage(Level = LogLevel.Warning, Message = "Kill switch {Scope} set to {State} by {Actor}: {Reason}")]
    private static partial void LogChanged(ILogger logger, string scope, string state, string actor, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Kill switch change of {Target} is in force but its audit record or alert failed")]
    private static partial void LogRecordFailed(ILogger logger, string target, Exception exception);
}
