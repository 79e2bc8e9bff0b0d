using System.Collections.Immutable;
using System.Text.Json.Serialization;
using TradingPlatform.Orders;
using TradingPlatform.Risk;

namespace TradingPlatform.Strategies;

/// <summary>What a strategy did with its last tick of a symbol (<c>lastDecision.code</c>).</summary>
[GenerateSerializer, Alias("decision-code")]
public enum DecisionCode
{
    /// <summary>The strategy is stopped: ticks mark positions but do not reach the signal.</summary>
    StrategyStopped = 0,
    /// <summary>The strategy is halted (its kill switch, or its daily loss): the signal is not fed.</summary>
    StrategyHalted = 1,
    /// <summary>The signal has not seen enough prices to decide.</summary>
    WarmingUp = 2,
    /// <summary>The signal is warm and its target did not change (no crossover, inside the bands, no breakout…).</summary>
    NoSignal = 3,
    /// <summary>The target changed, but the position already is the target.</summary>
    AlreadyPositioned = 4,
    /// <summary>The target changed, but the position plus working orders already make it: the order would be for 0.</summary>
    CoveredByWorkingOrders = 5,
    /// <summary>The target changed and pre-trade risk accepted the order.</summary>
    OrderPlaced = 6,
    /// <summary>The target changed and pre-trade risk refused the order (<c>rejectReason</c> says which check).</summary>
    OrderRejected = 7,
}

/// <summary>Where an order came from.</summary>
[GenerateSerializer, Alias("order-source")]
public enum OrderSource
{
    /// <summary><c>POST /v1/orders</c>.</summary>
    Api = 0,
    /// <summary>The strategy's own signal on a tick.</summary>
    Signal = 1,
    /// <summary>A kill-switch change with <c>flatten</c>.</summary>
    Flatten = 2,
}

/// <summary><c>GET /v1/strategies/{id}/diagnostics</c>: why a strategy is (not) trading, from its grain's memory.</summary>
/// <param name="Symbols">Per symbol: prices, position, the signal's last input, indicators and decision, and a sentence on why.</param>
/// <param name="RiskRejections">The last orders pre-trade risk refused (any source), newest first.</param>
/// <param name="RiskRejectionsKept">How many rejections are kept (<c>Risk__RecentRejectionsPerStrategy</c>).</param>
[GenerateSerializer, Immutable, Alias("strategy-diagnostics.v1")]
public sealed record StrategyDiagnostics(
    [property: Id(0)] string StrategyId,
    [property: Id(1)] StrategyKind Kind,
    [property: Id(2)] StrategyStatus Status,
    [property: Id(3)] string? HaltReason,
    [property: Id(4)] KillSwitchStates KillSwitch,
    [property: Id(5)] ImmutableArray<SymbolDiagnostics> Symbols,
    [property: Id(6)] ImmutableArray<RiskRejection> RiskRejections,
    [property: Id(7)] int RiskRejectionsKept,
    [property: Id(8), JsonPropertyName("asOf")] DateTimeOffset AsOfUtc);

/// <summary>The kill-switch states this strategy's orders are checked against.</summary>
[GenerateSerializer, Immutable, Alias("kill-switch-states.v1")]
public sealed record KillSwitchStates(
    [property: Id(0)] KillSwitchState Global,
    [property: Id(1)] KillSwitchState Strategy);

/// <param name="Position">Signed position quantity.</param>
/// <param name="WorkingQuantity">Signed remaining quantity of working orders (buys positive).</param>
/// <param name="LastInput">The last price the signal was fed (null when it has not been fed since the strategy last started).</param>
/// <param name="Signal">The signal's state (null unless the strategy is running).</param>
/// <param name="LastDecision">What the strategy did with its last tick of this symbol.</param>
/// <param name="StaleTicks">Ticks ignored because they were older than the last one.</param>
/// <param name="Why">One or a few sentences: why this symbol is (not) trading right now.</param>
[GenerateSerializer, Immutable, Alias("symbol-diagnostics.v1")]
public sealed record SymbolDiagnostics(
    [property: Id(0)] string Symbol,
    [property: Id(1)] decimal? LastPrice,
    [property: Id(2), JsonPropertyName("lastPriceAt")] DateTimeOffset? LastPriceAtUtc,
    [property: Id(3)] decimal Position,
    [property: Id(4)] decimal WorkingQuantity,
    [property: Id(5)] SignalInput? LastInput,
    [property: Id(6)] SignalDiagnostics? Signal,
    [property: Id(7)] DecisionDiagnostics? LastDecision,
    [property: Id(8)] long StaleTicks,
    [property: Id(9)] string Why);

/// <summary>A price fed to the signal: the tick's price and time, and when the strategy processed it.</summary>
[GenerateSerializer, Immutable, Alias("signal-input.v1")]
public sealed record SignalInput(
    [property: Id(0)] decimal Price,
    [property: Id(1), JsonPropertyName("time")] DateTimeOffset TimeUtc,
    [property: Id(2), JsonPropertyName("processedAt")] DateTimeOffset ProcessedAtUtc);

/// <summary>The signal's state: warm-up progress, indicator values, the target it holds and what would change it.</summary>
[GenerateSerializer, Immutable, Alias("signal-diagnostics.v1")]
public sealed record SignalDiagnostics(
    [property: Id(0)] bool Ready,
    [property: Id(1)] int PricesSeen,
    [property: Id(2)] int PricesNeeded,
    [property: Id(3)] decimal Target,
    [property: Id(4)] ImmutableSortedDictionary<string, decimal?> Indicators,
    [property: Id(5)] string Note);

/// <summary>The last decision on a symbol: its code, the tick it was made on, and the order it led to.</summary>
[GenerateSerializer, Immutable, Alias("decision-diagnostics.v1")]
public sealed record DecisionDiagnostics(
    [property: Id(0)] DecisionCode Code,
    [property: Id(1), JsonPropertyName("time")] DateTimeOffset TimeUtc,
    [property: Id(2)] decimal Price,
    [property: Id(3)] decimal? Target,
    [property: Id(4)] Side? Side,
    [property: Id(5)] decimal? OrderQuantity,
    [property: Id(6)] string? OrderId,
    [property: Id(7)] RejectReason? RejectReason,
    [property: Id(8)] string Message);

/// <summary>An order pre-trade risk refused.</summary>
[GenerateSerializer, Immutable, Alias("risk-rejection.v1")]
public sealed record RiskRejection(
    [property: Id(0), JsonPropertyName("time")] DateTimeOffset TimeUtc,
    [property: Id(1)] string OrderId,
    [property: Id(2)] string ClientOrderId,
    [property: Id(3)] string Symbol,
    [property: Id(4)] Side Side,
    [property: Id(5)] decimal Quantity,
    [property: Id(6)] OrderType Type,
    [property: Id(7)] decimal? LimitPrice,
    [property: Id(8)] RejectReason Reason,
    [property: Id(9)] string Message,
    [property: Id(10)] OrderSource Source);
