using System.Collections.Immutable;
using System.Text.Json.Serialization;

namespace TradingPlatform.Orders;

[GenerateSerializer, Alias("side")]
public enum Side
{
    Buy = 0,
    Sell = 1,
}

[GenerateSerializer, Alias("order-type")]
public enum OrderType
{
    Market = 0,
    Limit = 1,
}

[GenerateSerializer, Alias("order-status")]
public enum OrderStatus
{
    /// <summary>Accepted and resting (a limit order waiting for a tick to cross it, or working at a venue).</summary>
    Open = 0,
    PartiallyFilled = 1,
    Filled = 2,
    Cancelled = 3,
    Rejected = 4,
}

/// <summary>Why pre-trade risk refused an order; each check has its own reason.</summary>
[GenerateSerializer, Alias("reject-reason")]
public enum RejectReason
{
    KillSwitchGlobal = 0,
    KillSwitchStrategy = 1,
    StrategyHalted = 2,
    MaxOrderQuantity = 3,
    MaxPosition = 4,
    MaxNotional = 5,
    PriceCollar = 6,
    OrderRate = 7,
    NoMarketPrice = 8,
}

public static class OrderStatuses
{
    public static bool IsWorking(this OrderStatus status) => status is OrderStatus.Open or OrderStatus.PartiallyFilled;

    public static int Sign(this Side side) => side == Side.Buy ? 1 : -1;

    public static Side Opposite(this Side side) => side == Side.Buy ? Side.Sell : Side.Buy;
}

/// <summary>A new order as a trader or a strategy's signal submits it.</summary>
[GenerateSerializer, Immutable, Alias("order-spec.v1")]
public sealed record OrderSpec(
    [property: Id(0)] string StrategyId,
    [property: Id(1)] string Symbol,
    [property: Id(2)] Side Side,
    [property: Id(3)] decimal Quantity,
    [property: Id(4)] OrderType Type,
    [property: Id(5)] decimal? LimitPrice,
    [property: Id(6)] string ClientOrderId);

/// <summary>An order as it stands: what was asked, what risk said, what has filled.</summary>
[GenerateSerializer, Immutable, Alias("order.v1")]
public sealed record OrderSnapshot(
    [property: Id(0)] string OrderId,
    [property: Id(1)] string StrategyId,
    [property: Id(2)] string Symbol,
    [property: Id(3)] Side Side,
    [property: Id(4)] decimal Quantity,
    [property: Id(5)] OrderType Type,
    [property: Id(6)] decimal? LimitPrice,
    [property: Id(7)] string ClientOrderId,
    [property: Id(8)] OrderStatus Status,
    [property: Id(9)] RejectReason? RejectReason,
    [property: Id(10)] string? RejectDetail,
    [property: Id(11)] decimal FilledQuantity,
    [property: Id(12)] decimal AverageFillPrice,
    [property: Id(13), JsonPropertyName("createdAt")] DateTimeOffset CreatedAtUtc,
    [property: Id(14), JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAtUtc)
{
    public decimal RemainingQuantity => Quantity - FilledQuantity;
}

[GenerateSerializer, Alias("order-outcome-kind")]
public enum OrderOutcomeKind
{
    /// <summary>A new order was recorded (accepted, filled or rejected by risk: see its status).</summary>
    Placed = 0,

    /// <summary>The clientOrderId was seen before: this is the first answer, unchanged.</summary>
    Duplicate = 1,
    Cancelled = 2,
    NotFound = 3,
    Invalid = 4,
    Conflict = 5,
}

[GenerateSerializer, Immutable, Alias("order-outcome.v1")]
public sealed record OrderOutcome(
    [property: Id(0)] OrderOutcomeKind Kind,
    [property: Id(1)] OrderSnapshot? Order = null,
    [property: Id(2)] string? Detail = null,
    [property: Id(3)] ImmutableDictionary<string, string[]>? Errors = null);

/// <summary>Filters of <c>GET /v1/orders</c>; null members do not filter.</summary>
[GenerateSerializer, Immutable, Alias("order-query.v1")]
public sealed record OrderQuery(
    [property: Id(0)] string? StrategyId = null,
    [property: Id(1)] string? Symbol = null,
    [property: Id(2)] OrderStatus? Status = null);
