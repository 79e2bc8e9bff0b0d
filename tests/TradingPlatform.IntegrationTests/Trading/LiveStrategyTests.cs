using System.Net;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Trading;

/// <summary>Running strategies trade on ticks through the same risk checks as any order.</summary>
[Collection(EmbeddedApiCollection.Name)]
public sealed class LiveStrategyTests(EmbeddedApiFactory factory)
{
    [Fact]
    public async Task A_running_sma_cross_goes_long_on_the_cross_up_and_short_on_the_cross_down()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol], kind: "sma_cross",
            parameters: new Dictionary<string, object> { ["fast"] = 2, ["slow"] = 3, ["quantity"] = 5 });
        var start = DateTimeOffset.UtcNow;
        await trader.Tick(symbol, 10m, start); // a stopped strategy ignores its signal
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchJson($"/v1/strategies/{strategy}", new { status = "running" })).StatusCode);

        var prices = new[] { 10m, 10m, 10m, 9m, 12m };
        for (var i = 0; i < prices.Length; i++) await trader.Tick(symbol, prices[i], start.AddSeconds(i + 1));
        Assert.Equal(5m, (await trader.Position(strategy, symbol))["quantity"].Number()); // fast crossed above slow on 12

        await trader.Tick(symbol, 6m, start.AddSeconds(10));
        await trader.Tick(symbol, 5m, start.AddSeconds(11));
        Assert.Equal(-5m, (await trader.Position(strategy, symbol))["quantity"].Number()); // and below on 5

        var orders = await (await trader.Get($"/v1/orders?strategyId={strategy}")).Read();
        Assert.Equal(2, (int?)orders["total"]);
        Assert.All(orders["items"]!.AsArray(), o => Assert.StartsWith("signal:", (string?)o!["clientOrderId"], StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_strategys_signal_orders_are_refused_by_risk_like_any_other()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol], TradingClient.Risk(maxOrderQuantity: 4, maxPositionQuantity: 100), kind: "breakout",
            parameters: new Dictionary<string, object> { ["lookback"] = 2, ["quantity"] = 5 });
        await admin.PatchJson($"/v1/strategies/{strategy}", new { status = "running" });
        var start = DateTimeOffset.UtcNow;

        foreach (var (price, i) in new[] { 10m, 11m, 12m }.Select((p, i) => (p, i))) await trader.Tick(symbol, price, start.AddSeconds(i));

        var orders = await (await trader.Get($"/v1/orders?strategyId={strategy}")).Read();
        Assert.Equal(1, (int?)orders["total"]);
        Assert.Equal("max_order_quantity", (string?)orders["items"]![0]!["rejectReason"]);
    }
}
