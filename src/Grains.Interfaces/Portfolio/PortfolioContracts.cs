using System.Collections.Immutable;
using System.Text.Json.Serialization;
using TradingPlatform.Positions;
using TradingPlatform.Risk;

namespace TradingPlatform.Portfolio;

[GenerateSerializer, Immutable, Alias("pnl-summary.v1")]
public sealed record PnlSummary(
    [property: Id(0)] decimal Realized,
    [property: Id(1)] decimal Unrealized,
    [property: Id(2)] decimal Total,
    [property: Id(3)] decimal Daily);

[GenerateSerializer, Immutable, Alias("exposure.v1")]
public sealed record Exposure(
    [property: Id(0)] decimal Gross,
    [property: Id(1)] decimal Net);

[GenerateSerializer, Immutable, Alias("strategy-counts.v1")]
public sealed record StrategyCounts(
    [property: Id(0)] int Running,
    [property: Id(1)] int Stopped,
    [property: Id(2)] int Halted);

/// <summary>Activity in a rolling window: fills, traded notional and the PnL change over the window.</summary>
[GenerateSerializer, Immutable, Alias("window-stats.v1")]
public sealed record WindowStats(
    [property: Id(0)] long Fills,
    [property: Id(1)] decimal Volume,
    [property: Id(2)] decimal PnlChange);

/// <summary><c>GET /v1/metrics/summary</c>, served from the portfolio grain's memory.</summary>
[GenerateSerializer, Immutable, Alias("portfolio-summary.v1")]
public sealed record PortfolioSummary(
    [property: Id(0)] decimal Equity,
    [property: Id(1)] PnlSummary Pnl,
    [property: Id(2)] Exposure Exposure,
    [property: Id(3)] int OpenPositions,
    [property: Id(4)] StrategyCounts Strategies,
    [property: Id(5)] ScopeState KillSwitch,
    [property: Id(6)] ImmutableSortedDictionary<string, WindowStats> Windows,
    [property: Id(7), JsonPropertyName("asOf")] DateTimeOffset AsOfUtc);

/// <summary>A position changed (a fill applied, or a new mark). Published on the PnL stream.</summary>
[GenerateSerializer, Immutable, Alias("position-changed.v1")]
public sealed record PositionChanged(
    [property: Id(0)] PositionSnapshot Position,
    [property: Id(1)] Fill? Fill);
