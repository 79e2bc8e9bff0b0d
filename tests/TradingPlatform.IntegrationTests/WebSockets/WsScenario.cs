using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Trading;

namespace TradingPlatform.IntegrationTests.WebSockets;

/// <summary>What the WebSocket tests share: a market to trade in, orders that become fills, and seq checks.</summary>
internal static class WsScenario
{
    /// <summary>A strategy on a fresh symbol with a price, and the shared trader who places its orders.</summary>
    public static async Task<(HttpClient Trader, string Strategy, string Symbol)> Market(WebSocketApiFactory factory)
    {
        var admin = await factory.Admin();
        var trader = await factory.As("trader");
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        await trader.Tick(symbol, 100m);
        return (trader, strategy, symbol);
    }

    /// <summary>Market orders, alternately buy and sell (each one fill); returns their order ids in order.</summary>
    public static async Task<List<string>> PlaceOrders(HttpClient trader, string strategy, string symbol, int count)
    {
        var orderIds = new List<string>();
        for (var i = 0; i < count; i++)
            orderIds.Add((string)(await trader.Placed(strategy, symbol, i % 2 == 0 ? "buy" : "sell", 1))["orderId"]!);
        return orderIds;
    }

    public static bool IsFillOf(JsonNode message, string strategy) => (string?)message["data"]?["strategyId"] == strategy;

    /// <summary>Each event's seq is its predecessor's plus one.</summary>
    public static void AssertContiguous(IReadOnlyList<JsonNode> events)
    {
        for (var i = 1; i < events.Count; i++)
            Assert.Equal(WsClient.Seq(events[i - 1]) + 1, WsClient.Seq(events[i]));
    }
}
