using System.Net;
using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;

namespace TradingPlatform.IntegrationTests.Strategies;

/// <summary>
/// <c>GET /v1/strategies/{id}/diagnostics</c> on the live path: ticks through the API drive a strategy, and after each
/// step the answer says what its signal saw, its indicators, what it decided and why, and what risk refused.
/// </summary>
[Collection(EmbeddedApiCollection.Name)]
public sealed class DiagnosticsApiTests(EmbeddedApiFactory factory)
{
    [Fact]
    public async Task An_sma_cross_explains_its_warm_up_its_cross_and_the_order_risk_refused()
    {
        var (admin, trader, viewer) = (await factory.Admin(), await factory.As("trader"), await factory.As("viewer"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol], TradingClient.Risk(maxOrderQuantity: 6, maxPositionQuantity: 100), kind: "sma_cross",
            parameters: new Dictionary<string, object> { ["fast"] = 2, ["slow"] = 3, ["quantity"] = 5 });
        var start = DateTimeOffset.UtcNow;

        // Stopped, no tick yet: it still answers, with its state.
        var diagnostics = await Diagnostics(viewer, strategy);
        Assert.Equal("stopped", (string?)diagnostics["status"]);
        var desk = Symbol(diagnostics, symbol);
        Assert.Null(desk["lastPrice"]);
        Assert.Null(desk["lastDecision"]);
        Assert.Contains("no market price", (string?)desk["why"], StringComparison.OrdinalIgnoreCase);

        await trader.Tick(symbol, 10m, start);
        desk = Symbol(await Diagnostics(viewer, strategy), symbol);
        Assert.Equal("strategy_stopped", (string?)desk["lastDecision"]!["code"]);
        Assert.Null(desk["signal"]);
        Assert.Contains("stopped", (string?)desk["why"], StringComparison.Ordinal);

        // Running: warming up, n of m prices.
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchJson($"/v1/strategies/{strategy}", new { status = "running" })).StatusCode);
        await trader.Tick(symbol, 10m, start.AddSeconds(1));
        await trader.Tick(symbol, 10m, start.AddSeconds(2));
        desk = Symbol(await Diagnostics(viewer, strategy), symbol);
        var decision = desk["lastDecision"]!;
        Assert.Equal("warming_up", (string?)decision["code"]);
        Assert.Contains("2 of 3", (string?)decision["message"], StringComparison.Ordinal);
        Assert.Equal(10m, desk["lastInput"]!["price"].Number());
        var signal = desk["signal"]!;
        Assert.False((bool)signal["ready"]!);
        Assert.Equal(2, (int)signal["pricesSeen"]!);
        Assert.Equal(3, (int)signal["pricesNeeded"]!);
        Assert.Equal(10m, signal["indicators"]!["smaFast"].Number());
        Assert.Null(signal["indicators"]!["smaSlow"]);

        // Warm, then no crossover yet: it says so, with both averages.
        await trader.Tick(symbol, 10m, start.AddSeconds(3));
        await trader.Tick(symbol, 9m, start.AddSeconds(4));
        desk = Symbol(await Diagnostics(viewer, strategy), symbol);
        Assert.Equal("no_signal", (string?)desk["lastDecision"]!["code"]);
        Assert.True((bool)desk["signal"]!["ready"]!);
        Assert.Equal(9.5m, desk["signal"]!["indicators"]!["smaFast"].Number());
        Assert.Equal(29m / 3m, desk["signal"]!["indicators"]!["smaSlow"].Number());
        Assert.Contains("cross", (string?)desk["lastDecision"]!["message"], StringComparison.Ordinal);

        // The cross up: an order for the target, placed and filled.
        await trader.Tick(symbol, 12m, start.AddSeconds(5));
        desk = Symbol(await Diagnostics(viewer, strategy), symbol);
        decision = desk["lastDecision"]!;
        Assert.Equal("order_placed", (string?)decision["code"]);
        Assert.Equal(5m, decision["target"].Number());
        Assert.Equal(5m, decision["orderQuantity"].Number());
        Assert.Equal("buy", (string?)decision["side"]);
        Assert.NotNull((string?)decision["orderId"]);
        Assert.Equal(5m, desk["position"].Number());
        Assert.Equal(1m, desk["signal"]!["indicators"]!["side"].Number());

        // The cross down asks for -5 (an order of 10): maxOrderQuantity 6 refuses it, and the rejection is kept.
        await trader.Tick(symbol, 6m, start.AddSeconds(6));
        await trader.Tick(symbol, 5m, start.AddSeconds(7));
        diagnostics = await Diagnostics(viewer, strategy);
        desk = Symbol(diagnostics, symbol);
        decision = desk["lastDecision"]!;
        Assert.Equal("order_rejected", (string?)decision["code"]);
        Assert.Equal("max_order_quantity", (string?)decision["rejectReason"]);
        Assert.Equal(-5m, decision["target"].Number());
        Assert.Equal(10m, decision["orderQuantity"].Number());
        Assert.Contains("maxOrderQuantity 6", (string?)decision["message"], StringComparison.Ordinal);
        Assert.Equal(5m, desk["position"].Number());
        var rejection = Assert.Single(diagnostics["riskRejections"]!.AsArray())!;
        Assert.Equal("max_order_quantity", (string?)rejection["reason"]);
        Assert.Equal("sell", (string?)rejection["side"]);
        Assert.Equal(10m, rejection["quantity"].Number());
        Assert.Equal(symbol, (string?)rejection["symbol"]);
        Assert.Equal("signal", (string?)rejection["source"]);
        Assert.StartsWith("signal:", (string?)rejection["clientOrderId"], StringComparison.Ordinal);
        Assert.Equal((string?)decision["orderId"], (string?)rejection["orderId"]);
        Assert.Contains("maxOrderQuantity 6", (string?)rejection["message"], StringComparison.Ordinal);
        Assert.Equal(20, (int)diagnostics["riskRejectionsKept"]!);

        // The strategy's kill switch halts it: the answer names the scope; the signal is no longer fed.
        await SetKillSwitch(admin, $"strategy:{strategy}", "halted");
        await trader.Tick(symbol, 4m, start.AddSeconds(8));
        diagnostics = await Diagnostics(viewer, strategy);
        Assert.Equal("halted", (string?)diagnostics["status"]);
        Assert.Equal("halted", (string?)diagnostics["killSwitch"]!["strategy"]);
        Assert.Equal("active", (string?)diagnostics["killSwitch"]!["global"]);
        desk = Symbol(diagnostics, symbol);
        Assert.Equal("strategy_halted", (string?)desk["lastDecision"]!["code"]);
        Assert.Contains("kill switch", (string?)desk["why"], StringComparison.Ordinal);
        await SetKillSwitch(admin, $"strategy:{strategy}", "active");
        Assert.Equal("stopped", (string?)(await Diagnostics(viewer, strategy))["status"]);
    }

    [Fact]
    public async Task A_signal_that_asks_for_the_position_already_held_says_it_is_already_positioned()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol], kind: "breakout",
            parameters: new Dictionary<string, object> { ["lookback"] = 1, ["quantity"] = 3 });
        var start = DateTimeOffset.UtcNow;
        await trader.Tick(symbol, 10m, start);
        await trader.Placed(strategy, symbol, "buy", 3m); // by hand, before the breakout
        await admin.PatchJson($"/v1/strategies/{strategy}", new { status = "running" });

        await trader.Tick(symbol, 10m, start.AddSeconds(1));
        await trader.Tick(symbol, 11m, start.AddSeconds(2)); // breaks above 10: target +3, already held

        var desk = Symbol(await Diagnostics(trader, strategy), symbol);
        Assert.Equal("already_positioned", (string?)desk["lastDecision"]!["code"]);
        Assert.Equal(3m, desk["lastDecision"]!["target"].Number());
        Assert.Equal(11m, desk["signal"]!["indicators"]!["rangeHigh"].Number()); // the range the next price must break
        var orders = await (await trader.Get($"/v1/orders?strategyId={strategy}")).Read();
        Assert.Equal(1, (int?)orders["total"]); // only the one placed by hand
    }

    [Fact]
    public async Task Risk_rejections_are_kept_newest_first_and_bounded()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol], TradingClient.Risk(maxOrderQuantity: 1));

        // The first has no market price yet; the rest are too large.
        await trader.Placed(strategy, symbol, "buy", 1m, clientOrderId: "first");
        await trader.Tick(symbol, 10m);
        for (var i = 0; i < 21; i++) await trader.Placed(strategy, symbol, "buy", 2m, clientOrderId: $"big-{i}");

        var diagnostics = await Diagnostics(trader, strategy);
        var rejections = diagnostics["riskRejections"]!.AsArray();
        Assert.Equal(20, rejections.Count);
        Assert.Equal("big-20", (string?)rejections[0]!["clientOrderId"]);
        Assert.Equal("big-1", (string?)rejections[^1]!["clientOrderId"]);
        Assert.All(rejections, r => Assert.Equal("max_order_quantity", (string?)r!["reason"]));
        Assert.All(rejections, r => Assert.Equal("api", (string?)r!["source"]));
        Assert.Equal(10m, Symbol(diagnostics, symbol)["lastPrice"].Number());
        Assert.Equal("strategy_stopped", (string?)Symbol(diagnostics, symbol)["lastDecision"]!["code"]); // the tick, while stopped
    }

    [Fact]
    public async Task Unknown_strategies_are_404_and_every_role_may_read()
    {
        var viewer = await factory.As("viewer");
        foreach (var id in new[] { "nope-" + Guid.NewGuid().ToString("N")[..8], "bad id!" })
        {
            var response = await viewer.Get($"/v1/strategies/{Uri.EscapeDataString(id)}/diagnostics");
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync(new Uri("/v1/strategies/x/diagnostics", UriKind.Relative))).StatusCode);
    }

    private static async Task<JsonNode> Diagnostics(HttpClient client, string strategy)
    {
        var response = await client.Get($"/v1/strategies/{strategy}/diagnostics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Read();
        Assert.Equal(strategy, (string?)body["strategyId"]);
        return body;
    }

    private static JsonNode Symbol(JsonNode diagnostics, string symbol) =>
        diagnostics["symbols"]!.AsArray().Single(s => (string?)s!["symbol"] == symbol)!;

    private static async Task SetKillSwitch(HttpClient admin, string scope, string state)
    {
        var response = await admin.PostJson("/v1/controls/kill-switch", new { scope, state, reason = "diagnostics test" });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
