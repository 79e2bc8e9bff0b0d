using TradingPlatform.Orders;

namespace TradingPlatform.Positions;

/// <summary>
/// A fill: a fact, journaled in Postgres before anyone counts it. <see cref="Sequence"/> numbers the
/// fills of one position (strategy and symbol) from 1 without gaps; positions apply them in that order,
/// exactly once. <see cref="JournalSequence"/> orders all fills cluster-wide (0 until journaled).
/// </summary>
[GenerateSerializer, Immutable, Alias("fill.v1")]
public sealed record Fill(
    [property: Id(0)] string FillId,
    [property: Id(1)] string? OrderId,
    [property: Id(2)] string StrategyId,
    [property: Id(3)] string Symbol,
    [property: Id(4)] Side Side,
    [property: Id(5)] decimal Quantity,
    [property: Id(6)] decimal Price,
    [property: Id(7)] decimal Fee,
    [property: Id(8)] long Sequence,
    [property: Id(9)] DateTimeOffset ExecutedAtUtc,
    [property: Id(10)] FillSource Source,
    [property: Id(11)] long JournalSequence = 0);

[GenerateSerializer, Alias("fill-source")]
public enum FillSource
{
    /// <summary>The built-in paper execution.</summary>
    Paper = 0,

    /// <summary>Reported by an external venue through <c>POST /v1/fills</c>.</summary>
    External = 1,
}

/// <summary>A fill reported by an external venue (<c>POST /v1/fills</c>); the strategy assigns its sequence.</summary>
[GenerateSerializer, Immutable, Alias("external-fill.v1")]
public sealed record ExternalFillSpec(
    [property: Id(0)] string FillId,
    [property: Id(1)] string? OrderId,
    [property: Id(2)] string StrategyId,
    [property: Id(3)] string Symbol,
    [property: Id(4)] Side Side,
    [property: Id(5)] decimal Quantity,
    [property: Id(6)] decimal Price,
    [property: Id(7)] decimal Fee,
    [property: Id(8)] DateTimeOffset ExecutedAtUtc);

[GenerateSerializer, Alias("fill-outcome-kind")]
public enum FillOutcomeKind
{
    Recorded = 0,

    /// <summary>This fillId is already journaled: acknowledged, not applied again.</summary>
    Duplicate = 1,
    NotFound = 2,
    Invalid = 3,
}

[GenerateSerializer, Immutable, Alias("fill-outcome.v1")]
public sealed record FillOutcome(
    [property: Id(0)] FillOutcomeKind Kind,
    [property: Id(1)] Fill? Fill = null,
    [property: Id(2)] string? Detail = null);

/// <summary>Filters of <c>GET /v1/fills</c>; null members do not filter. Times are inclusive.</summary>
[GenerateSerializer, Immutable, Alias("fill-query.v1")]
public sealed record FillQuery(
    [property: Id(0)] string? StrategyId = null,
    [property: Id(1)] string? Symbol = null,
    [property: Id(2)] DateTimeOffset? FromUtc = null,
    [property: Id(3)] DateTimeOffset? ToUtc = null);
