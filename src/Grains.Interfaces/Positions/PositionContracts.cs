using System.Text.Json.Serialization;

namespace TradingPlatform.Positions;

/// <summary>One position (a strategy's holding in one symbol) as dashboards read it.</summary>
[GenerateSerializer, Immutable, Alias("position.v1")]
public sealed record PositionSnapshot(
    [property: Id(0)] string StrategyId,
    [property: Id(1)] string Symbol,
    [property: Id(2)] decimal Quantity,
    [property: Id(3)] decimal AveragePrice,
    [property: Id(4)] decimal RealizedPnl,
    [property: Id(5)] decimal UnrealizedPnl,
    [property: Id(6)] decimal? LastPrice,
    [property: Id(7)] decimal Fees,
    [property: Id(8)] long Sequence,
    [property: Id(9)] long Fills,
    [property: Id(10)] decimal Volume,
    [property: Id(11), JsonPropertyName("updatedAt")] DateTimeOffset UpdatedAtUtc)
{
    public decimal TotalPnl => RealizedPnl + UnrealizedPnl;

    public bool IsEmpty => Sequence == 0;
}

/// <summary>What applying a fill did; <see cref="Position"/> is the position afterwards.</summary>
[GenerateSerializer, Immutable, Alias("position-update.v1")]
public sealed record PositionUpdate(
    [property: Id(0)] PositionSnapshot Position,
    [property: Id(1)] int Applied);

public static class PositionKey
{
    /// <summary>Position grains are keyed <c>{strategyId}/{symbol}</c> ('/' appears in neither).</summary>
    public static string Of(string strategyId, string symbol) => $"{strategyId}/{symbol}";

    public static (string StrategyId, string Symbol) Parse(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return (key[..slash], key[(slash + 1)..]);
    }
}
