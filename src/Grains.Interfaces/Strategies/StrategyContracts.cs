using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace TradingPlatform.Strategies;

[GenerateSerializer, Alias("strategy-kind")]
public enum StrategyKind
{
    SmaCross = 0,
    MeanReversion = 1,
    Breakout = 2,
    Manual = 3,
    BuyAndHold = 4,
}

[GenerateSerializer, Alias("strategy-status")]
public enum StrategyStatus
{
    Stopped = 0,
    Running = 1,
    Halted = 2,
}

/// <summary>Per-strategy limits that pre-trade risk enforces.</summary>
[GenerateSerializer, Immutable, Alias("strategy-risk.v1")]
public sealed record StrategyRisk(
    [property: Id(0)] decimal MaxOrderQuantity,
    [property: Id(1)] decimal MaxPositionQuantity,
    [property: Id(2)] decimal MaxNotional,
    [property: Id(3)] decimal MaxDailyLoss);

/// <summary>What it takes to create a strategy. Validated by <c>StrategyRules</c> before any state changes.</summary>
[GenerateSerializer, Immutable, Alias("strategy-spec.v1")]
public sealed record StrategySpec(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] StrategyKind Kind,
    [property: Id(3)] ImmutableArray<string> Symbols,
    [property: Id(4)] ImmutableSortedDictionary<string, decimal> Parameters,
    [property: Id(5)] StrategyRisk Risk);

/// <summary>A partial update; null members stay as they are.</summary>
[GenerateSerializer, Immutable, Alias("strategy-patch.v1")]
public sealed record StrategyPatch(
    [property: Id(0)] string? Name = null,
    [property: Id(1)] ImmutableSortedDictionary<string, decimal>? Parameters = null,
    [property: Id(2)] StrategyRisk? Risk = null,
    [property: Id(3)] StrategyStatus? Status = null)
{
    public bool IsEmpty => Name is null && Parameters is null && Risk is null && Status is null;
}

[GenerateSerializer, Immutable, Alias("strategy-pnl.v1")]
public sealed record StrategyPnl(
    [property: Id(0)] decimal Realized,
    [property: Id(1)] decimal Unrealized,
    [property: Id(2)] decimal Daily)
{
    public static readonly StrategyPnl Zero = new(0m, 0m, 0m);

    public decimal Total => Realized + Unrealized;
}

/// <summary>The live state of a strategy as dashboards read it (served from grain memory).</summary>
[GenerateSerializer, Immutable, Alias("strategy-snapshot.v1")]
public sealed record StrategySnapshot(
    [property: Id(0)] string Id,
    [property: Id(1)] string Name,
    [property: Id(2)] StrategyKind Kind,
    [property: Id(3)] ImmutableArray<string> Symbols,
    [property: Id(4)] ImmutableSortedDictionary<string, decimal> Parameters,
    [property: Id(5)] StrategyRisk Risk,
    [property: Id(6)] StrategyStatus Status,
    [property: Id(7)] StrategyPnl Pnl,
    [property: Id(8)] int OpenOrders,
    [property: Id(9)] long Fills,
    [property: Id(10), JsonPropertyName("createdAt")] DateTimeOffset CreatedAtUtc,
    [property: Id(11), JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAtUtc);

[GenerateSerializer, Alias("strategy-outcome-kind")]
public enum StrategyOutcomeKind
{
    Ok = 0,
    Created = 1,
    NotFound = 2,
    Conflict = 3,
    Invalid = 4,
}

/// <summary>What a command on a strategy did. <see cref="Errors"/> holds field errors for <see cref="StrategyOutcomeKind.Invalid"/>.</summary>
[GenerateSerializer, Immutable, Alias("strategy-outcome.v1")]
public sealed record StrategyOutcome(
    [property: Id(0)] StrategyOutcomeKind Kind,
    [property: Id(1)] StrategySnapshot? Strategy = null,
    [property: Id(2)] string? Detail = null,
    [property: Id(3)] ImmutableDictionary<string, string[]>? Errors = null)
{
    public static StrategyOutcome NotFound(string id) => new(StrategyOutcomeKind.NotFound, Detail: $"Strategy '{id}' does not exist.");
    public static StrategyOutcome Conflict(string detail) => new(StrategyOutcomeKind.Conflict, Detail: detail);
    public static StrategyOutcome Invalid(ImmutableDictionary<string, string[]> errors) => new(StrategyOutcomeKind.Invalid, Errors: errors);
}
