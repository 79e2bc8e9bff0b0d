using System.Text.Json.Serialization;

namespace TradingPlatform.Market;

[GenerateSerializer, Immutable, Alias("tick.v1")]
public sealed record Tick(
    [property: Id(0)] string Symbol,
    [property: Id(1)] decimal Price,
    [property: Id(2), JsonPropertyName("timestamp")] DateTimeOffset TimeUtc);

/// <summary>The last price of a symbol; null price before the first tick.</summary>
[GenerateSerializer, Immutable, Alias("quote.v1")]
public sealed record MarketSnapshot(
    [property: Id(0)] string Symbol,
    [property: Id(1)] decimal? Price,
    [property: Id(2), JsonPropertyName("time")] DateTimeOffset? TimeUtc,
    [property: Id(3)] long Ticks);

/// <summary>What a batch of ticks did to one symbol.</summary>
[GenerateSerializer, Immutable, Alias("tick-result.v1")]
public sealed record TickResult(
    [property: Id(0)] string Symbol,
    [property: Id(1)] int Accepted,
    [property: Id(2)] int Stale);
