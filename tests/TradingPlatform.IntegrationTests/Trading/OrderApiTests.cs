using System.Net;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Trading;

/// <summary>Orders through risk to paper execution, fills and positions, over HTTP against the embedded platform.</summary>
[Collection(EmbeddedApiCollection.Name)]
public sealed class OrderApiTests(EmbeddedApiFactory factory)
{
    [Fact]
    public async Task A_market_order_fills_at_the_last_price_and_the_position_and_journal_show_it()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        await trader.Tick(symbol, 100m);

        var order = await trader.Placed(strategy, symbol, "buy", 10);
        Assert.Equal("filled", (string?)order["status"]);
        Assert.Equal(100m, order["averageFillPrice"].Number());
        Assert.StartsWith(strategy + ".", (string?)order["orderId"], StringComparison.Ordinal);

        await trader.Tick(symbol, 110m);
        var position = await trader.Position(strategy, symbol);
        Assert.Equal(10m, position["quantity"].Number());
        Assert.Equal(100m, position["averagePrice"].Number());
        Assert.Equal(100m, position["unrealizedPnl"].Number());
        Assert.Equal(110m, position["lastPrice"].Number());

        var fills = await (await trader.Get($"/v1/fills?strategyId={strategy}")).Read();
        Assert.Equal(1, (int?)fills["total"]);
        Assert.Equal(1, (int?)fills["items"]![0]!["sequence"]);
        Assert.Equal((string?)order["orderId"], (string?)fills["items"]![0]!["orderId"]);

        var strategyView = await (await trader.Get($"/v1/strategies/{strategy}")).Read();
        Assert.Equal(100m, strategyView["pnl"]!["unrealized"].Number());
        Assert.Equal(1, (int?)strategyView["fills"]);
    }

    [Fact]
    public async Task Repeating_a_client_order_id_returns_the_first_answer_and_places_nothing_new()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        await trader.Tick(symbol, 50m);

        var first = await trader.Order(strategy, symbol, "buy", 3, clientOrderId: "same-id");
        var again = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => trader.Order(strategy, symbol, "buy", 3, clientOrderId: "same-id")));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var firstId = (string?)(await first.Read())["orderId"];
        foreach (var response in again)
        {
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            Assert.Equal("true", response.Headers.GetValues("Idempotent-Replayed").Single());
            Assert.Equal(firstId, (string?)(await response.Read())["orderId"]);
        }
        Assert.Equal(3m, (await trader.Position(strategy, symbol))["quantity"].Number());
        Assert.Equal(1, (int?)(await (await trader.Get($"/v1/orders?strategyId={strategy}")).Read())["total"]);
    }

    [Theory]
    [InlineData("max_order_quantity", "buy", 11, "market", null)]
    [InlineData("max_position", "buy", 10, "market", null)]
    [InlineData("max_notional", "buy", 6, "limit", 101)]
    [InlineData("price_collar", "buy", 1, "limit", 80)]
    [InlineData("price_collar", "sell", 1, "limit", 125)]
    public async Task Each_pre_trade_check_refuses_with_its_own_reason_and_records_the_order(string reason, string side, int quantity, string type, int? limit)
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol], TradingClient.Risk(maxOrderQuantity: 10, maxPositionQuantity: 14, maxNotional: 600));
        await trader.Tick(symbol, 100m);
        await trader.Placed(strategy, symbol, "buy", 5); // position 5

        var response = await trader.Order(strategy, symbol, side, quantity, type, limit);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var order = await response.Read();
        Assert.Equal("rejected", (string?)order["status"]);
        Assert.Equal(reason, (string?)order["rejectReason"]);
        Assert.False(string.IsNullOrEmpty((string?)order["rejectDetail"]));
        var stored = await (await trader.Get($"/v1/orders/{order["orderId"]}")).Read();
        Assert.Equal(reason, (string?)stored["rejectReason"]);
        Assert.Equal(5m, (await trader.Position(strategy, symbol))["quantity"].Number());

        await Eventually.True(async () => (await (await factory.CreateClient().Get("/metrics")).Content.ReadAsStringAsync())
            .Contains($"tradingplatform_order_rejections_total{{reason=\"{reason}\"}}", StringComparison.Ordinal), TimeSpan.FromSeconds(10), "the rejection is counted in /metrics: " + string.Join(" | ", (await (await factory.CreateClient().Get("/metrics")).Content.ReadAsStringAsync()).Split((char)10).Where(l => l.Contains("rejections", StringComparison.Ordinal))));
    }

    [Fact]
    public async Task An_order_before_any_tick_is_refused_for_want_of_a_market_price()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);

        var order = await trader.Placed(strategy, symbol, "buy", 1);

        Assert.Equal("no_market_price", (string?)order["rejectReason"]);
        Assert.Equal(HttpStatusCode.NotFound, (await trader.Get($"/v1/market/{symbol}")).StatusCode);
    }

    [Fact]
    public async Task A_resting_limit_order_fills_at_its_limit_when_a_tick_crosses_it_and_can_be_cancelled_before()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        await trader.Tick(symbol, 100m);

        var resting = await trader.Placed(strategy, symbol, "buy", 4, "limit", 95m);
        var toCancel = await trader.Placed(strategy, symbol, "buy", 2, "limit", 92m);
        Assert.Equal("open", (string?)resting["status"]);
        Assert.Equal(2, (int?)(await (await trader.Get($"/v1/strategies/{strategy}")).Read())["openOrders"]);

        var cancelled = await trader.DeleteAsync(new Uri($"/v1/orders/{toCancel["orderId"]}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (string?)(await cancelled.Read())["status"]);
        Assert.Equal(HttpStatusCode.Conflict, (await trader.DeleteAsync(new Uri($"/v1/orders/{toCancel["orderId"]}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await trader.DeleteAsync(new Uri($"/v1/orders/{strategy}.nope", UriKind.Relative))).StatusCode);

        await trader.Tick(symbol, 96m);
        Assert.Equal("open", (string?)(await (await trader.Get($"/v1/orders/{resting["orderId"]}")).Read())["status"]);
        await trader.Tick(symbol, 90m);

        var filled = await (await trader.Get($"/v1/orders/{resting["orderId"]}")).Read();
        Assert.Equal("filled", (string?)filled["status"]);
        Assert.Equal(95m, filled["averageFillPrice"].Number());
        var position = await trader.Position(strategy, symbol);
        Assert.Equal(4m, position["quantity"].Number());
        Assert.Equal(95m, position["averagePrice"].Number());
        Assert.Equal(-20m, position["unrealizedPnl"].Number());
        Assert.Equal(HttpStatusCode.NotFound, (await trader.Get($"/v1/orders/{toCancel["orderId"]}x")).StatusCode);
    }

    [Fact]
    public async Task An_external_fill_is_journaled_once_however_often_it_is_reported()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        var fill = new { fillId = "venue-" + Guid.NewGuid().ToString("N")[..8], strategyId = strategy, symbol, side = "sell", quantity = 7, price = 20.5m, fee = 0.25m, timestamp = DateTimeOffset.UtcNow };

        var first = await trader.PostJson("/v1/fills", fill);
        var repeats = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => trader.PostJson("/v1/fills", fill)));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(1, (int?)(await first.Read())["sequence"]);
        Assert.All(repeats, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        var position = await trader.Position(strategy, symbol);
        Assert.Equal(-7m, position["quantity"].Number());
        Assert.Equal(-0.25m, position["realizedPnl"].Number());
        Assert.Equal(1, (int?)(await (await trader.Get($"/v1/fills?strategyId={strategy}")).Read())["total"]);
    }

    [Fact]
    public async Task Bad_orders_and_fills_get_field_errors_and_unknown_strategies_404()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);

        var malformed = await trader.PostJson("/v1/orders", new { strategyId = strategy, symbol, side = "hold", quantity = -1, type = "stop", clientOrderId = "" });
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        var errors = (await malformed.Read())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("side") && errors.ContainsKey("type") && errors.ContainsKey("clientOrderId"), errors.ToJsonString());

        var wrongSymbol = await trader.Order(strategy, "OTHER", "buy", 1);
        Assert.Equal(HttpStatusCode.BadRequest, wrongSymbol.StatusCode);
        Assert.NotNull((await wrongSymbol.Read())["errors"]!["symbol"]);

        var limitWithoutPrice = await trader.Order(strategy, symbol, "buy", 1, "limit");
        Assert.Equal(HttpStatusCode.BadRequest, limitWithoutPrice.StatusCode);

        Assert.Equal(HttpStatusCode.NotFound, (await trader.Order("no-such-strategy", symbol, "buy", 1)).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await trader.PostRaw("/v1/orders", "{\"strategyId\":")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await trader.PostJson("/v1/fills", new { fillId = "x1", strategyId = strategy, symbol, side = "buy", quantity = 0, price = 1, timestamp = DateTimeOffset.UtcNow })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await trader.PostJson("/v1/fills", new { fillId = "x2", strategyId = "nobody", symbol, side = "buy", quantity = 1, price = 1, timestamp = DateTimeOffset.UtcNow })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await trader.PostJson("/v1/market/ticks", new[] { new { symbol, price = -1m, timestamp = DateTimeOffset.UtcNow } })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await trader.Get("/v1/fills?from=yesterday")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await trader.Get("/v1/orders?status=sleeping")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await trader.Get($"/v1/positions/{strategy}/{symbol}")).StatusCode);
    }

    [Fact]
    public async Task A_viewer_cannot_trade()
    {
        var (admin, viewer) = (await factory.Admin(), await factory.As("viewer"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);

        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.Order(strategy, symbol, "buy", 1)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJson("/v1/market/ticks", new[] { new { symbol, price = 1m, timestamp = DateTimeOffset.UtcNow } })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJson("/v1/controls/kill-switch", new { scope = "global", state = "halted", reason = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await viewer.Get("/v1/metrics/summary")).StatusCode);
    }

    [Fact]
    public async Task The_summary_and_position_list_follow_trades_through_the_streams()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        await trader.Tick(symbol, 10m);
        var before = await (await trader.Get("/v1/metrics/summary")).Read();

        await trader.Placed(strategy, symbol, "buy", 100);
        await trader.Tick(symbol, 12m);

        await Eventually.True(async () =>
        {
            var listed = await (await trader.Get($"/v1/positions?strategyId={strategy}")).Read();
            return (int?)listed["total"] == 1 && listed["items"]![0]!["unrealizedPnl"].Number() == 200m;
        }, TimeSpan.FromSeconds(10), "the position list shows the marked position");
        var after = await (await trader.Get("/v1/metrics/summary")).Read();
        Assert.True(after["windows"]!["1m"]!["fills"].Number() >= before["windows"]!["1m"]!["fills"].Number() + 1);
        Assert.True(after["windows"]!["session"]!["volume"].Number() >= before["windows"]!["session"]!["volume"].Number() + 1000m);
        Assert.True((int?)after["openPositions"] >= 1);
        Assert.Equal("active", (string?)after["killSwitch"]!["state"]);
        Assert.NotNull(after["strategies"]!["stopped"]);
        Assert.Equal(after["equity"].Number(), 1_000_000m + after["pnl"]!["total"].Number());
    }
}
