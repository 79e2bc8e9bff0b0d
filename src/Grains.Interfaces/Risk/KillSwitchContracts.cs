using System.Text.Json.Serialization;

namespace TradingPlatform.Risk;

/// <summary>The graded trading mode: all orders, only position-reducing orders, none.</summary>
[GenerateSerializer, Alias("kill-switch-state")]
public enum KillSwitchState
{
    Active = 0,
    Reducing = 1,
    Halted = 2,
}

/// <summary>One scope's state (global, or one strategy) and who set it.</summary>
[GenerateSerializer, Immutable, Alias("kill-switch-scope.v1")]
public sealed record ScopeState(
    [property: Id(0)] KillSwitchState State,
    [property: Id(1)] string? Reason,
    [property: Id(2)] string? ChangedBy,
    [property: Id(3), JsonPropertyName("changedAt")] DateTimeOffset? ChangedAtUtc)
{
    public static readonly ScopeState Active = new(KillSwitchState.Active, null, null, null);
}

[GenerateSerializer, Immutable, Alias("kill-switch-strategy.v1")]
public sealed record StrategyScopeState(
    [property: Id(0)] string StrategyId,
    [property: Id(1)] KillSwitchState State,
    [property: Id(2)] string? Reason,
    [property: Id(3)] string? ChangedBy,
    [property: Id(4), JsonPropertyName("changedAt")] DateTimeOffset? ChangedAtUtc);

/// <summary><c>GET /v1/controls/kill-switch</c>: the global scope and every strategy scope that is not plain active.</summary>
[GenerateSerializer, Immutable, Alias("kill-switch.v1")]
public sealed record KillSwitchSnapshot(
    [property: Id(0)] ScopeState Global,
    [property: Id(1)] IReadOnlyList<StrategyScopeState> Strategies,
    [property: Id(2)] long Version);

/// <summary>What a strategy needs to decide orders: the global state and its own.</summary>
[GenerateSerializer, Immutable, Alias("risk-controls.v1")]
public sealed record RiskControls(
    [property: Id(0)] KillSwitchState Global,
    [property: Id(1)] KillSwitchState Strategy,
    [property: Id(2)] long Version)
{
    public static readonly RiskControls AllActive = new(KillSwitchState.Active, KillSwitchState.Active, 0);
}

/// <summary>A change of one scope (<c>POST /v1/controls/kill-switch</c>, or an automatic trip).</summary>
[GenerateSerializer, Immutable, Alias("kill-switch-command.v1")]
public sealed record KillSwitchCommand(
    [property: Id(0)] string? StrategyId,
    [property: Id(1)] KillSwitchState State,
    [property: Id(2)] string Reason,
    [property: Id(3)] bool CancelOpenOrders,
    [property: Id(4)] bool Flatten,
    [property: Id(5)] string Actor)
{
    public bool IsGlobal => StrategyId is null;

    public string Scope => StrategyId is null ? "global" : $"strategy:{StrategyId}";
}

/// <summary>What engaging did, per strategy reached: orders cancelled and flattening orders sent.</summary>
[GenerateSerializer, Immutable, Alias("controls-applied.v1")]
public sealed record ControlsApplied(
    [property: Id(0)] int CancelledOrders,
    [property: Id(1)] int FlattenOrders)
{
    public static readonly ControlsApplied None = new(0, 0);

    public ControlsApplied Plus(ControlsApplied other) => new(CancelledOrders + other.CancelledOrders, FlattenOrders + other.FlattenOrders);
}

[GenerateSerializer, Alias("kill-switch-outcome-kind")]
public enum KillSwitchOutcomeKind
{
    Ok = 0,
    NotFound = 1,
}

[GenerateSerializer, Immutable, Alias("kill-switch-outcome.v1")]
public sealed record KillSwitchOutcome(
    [property: Id(0)] KillSwitchOutcomeKind Kind,
    [property: Id(1)] KillSwitchSnapshot? KillSwitch = null,
    [property: Id(2)] ControlsApplied? Applied = null,
    [property: Id(3)] string? Detail = null);
