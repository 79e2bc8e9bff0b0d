using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Trading;

/// <summary>Test helpers over the trading endpoints; each test makes its own symbols and strategies so tests never share a market.</summary>
public static class TradingClient
{
    public static string NewSymbol() => ("T" + Guid.NewGuid().ToString("N"))[..12].ToUpperInvariant();

    public static Dictionary<string, object> Risk(decimal maxOrderQuantity = 1_000, decimal maxPositionQuantity = 10_000, decimal maxNotional = 10_000_000, decimal maxDailyLoss = 1_000_000) => new()
    {
        ["maxOrderQuantity"] = maxOrderQuantity,
        ["maxPositionQuantity"] = maxPositionQuantity,
        ["maxNotional"] = maxNotional,
        ["maxDailyLoss"] = maxDailyLoss,
    };

    /// <summary>Creates a strategy (manual unless told) and returns its id.</summary>
    public static async Task<string> CreateStrategy(this HttpClient admin, string[] symbols, Dictionary<string, object>? risk = null,
        string kind = "manual", Dictionary<string, object>? parameters = null)
    {
        var id = StrategyBodies.NewId("t");
        var response = await admin.PostJson("/v1/strategies", new Dictionary<string, object?>
        {
            ["id"] = id,
            ["name"] = "test " + kind,
            ["kind"] = kind,
            ["symbols"] = symbols,
            ["parameters"] = parameters ?? [],
            ["risk"] = risk ?? Risk(),
        });
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"create strategy: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return id;
    }

    public static async Task<JsonNode> Tick(this HttpClient trader, string symbol, decimal price, DateTimeOffset? time = null)
    {
        var response = await trader.PostJson("/v1/market/ticks", new[] { new { symbol, price, timestamp = time ?? DateTimeOffset.UtcNow } });
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"ticks: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Read();
    }

    public static Task<HttpResponseMessage> Order(this HttpClient trader, string strategyId, string symbol, string side, decimal quantity,
        string type = "market", decimal? limitPrice = null, string? clientOrderId = null) =>
        trader.PostJson("/v1/orders", new Dictionary<string, object?>
        {
            ["strategyId"] = strategyId,
            ["symbol"] = symbol,
            ["side"] = side,
            ["quantity"] = quantity,
            ["type"] = type,
            ["limitPrice"] = limitPrice,
            ["clientOrderId"] = clientOrderId ?? "c-" + Guid.NewGuid().ToString("N"),
        });

    /// <summary>Places an order and returns its body, failing unless the answer is 201.</summary>
    public static async Task<JsonNode> Placed(this HttpClient trader, string strategyId, string symbol, string side, decimal quantity,
        string type = "market", decimal? limitPrice = null, string? clientOrderId = null)
    {
        var response = await trader.Order(strategyId, symbol, side, quantity, type, limitPrice, clientOrderId);
        if (response.StatusCode != HttpStatusCode.Created) throw new InvalidOperationException($"order: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Read();
    }

    public static async Task<JsonNode> Position(this HttpClient client, string strategyId, string symbol)
    {
        var response = await client.Get($"/v1/positions/{strategyId}/{symbol}");
        if (response.StatusCode != HttpStatusCode.OK) throw new InvalidOperationException($"position: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return await response.Read();
    }

    public static decimal Number(this JsonNode? node) => node is null ? throw new InvalidOperationException("missing number") : decimal.Parse(node.ToJsonString(), CultureInfo.InvariantCulture);
}
