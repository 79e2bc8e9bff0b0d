using System.Net;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Trading;

/// <summary>Strategy-scope kill switch, automatic strategy trips, alerts and audit, over HTTP.</summary>
[Collection(EmbeddedApiCollection.Name)]
public sealed class KillSwitchApiTests(EmbeddedApiFactory factory)
{
    [Fact]
    public async Task A_strategy_scope_holds_halted_then_reducing_then_active_and_each_change_is_alerted_and_audited()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        var other = await admin.CreateStrategy([symbol]);
        await trader.Tick(symbol, 100m);
        await trader.Placed(strategy, symbol, "buy", 10);
        var resting = await trader.Placed(strategy, symbol, "buy", 1, "limit", 95m);

        var halted = await admin.PostJson("/v1/controls/kill-switch", new { scope = $"strategy:{strategy}", state = "halted", reason = "test halt" });
        Assert.Equal(HttpStatusCode.OK, halted.StatusCode);
        Assert.Equal(1, (int?)(await halted.Read())["applied"]!["cancelledOrders"]);
        Assert.Equal("cancelled", (string?)(await (await trader.Get($"/v1/orders/{resting["orderId"]}")).Read())["status"]);
        Assert.Equal("kill_switch_strategy", (string?)(await trader.Placed(strategy, symbol, "sell", 1))["rejectReason"]);
        Assert.Equal("filled", (string?)(await trader.Placed(other, symbol, "buy", 1))["status"]); // other strategies trade on
        Assert.Equal("halted", (string?)(await (await trader.Get($"/v1/strategies/{strategy}")).Read())["status"]);

        await admin.PostJson("/v1/controls/kill-switch", new { scope = $"strategy:{strategy}", state = "reducing", reason = "wind down" });
        Assert.Equal("kill_switch_strategy", (string?)(await trader.Placed(strategy, symbol, "buy", 1))["rejectReason"]);
        Assert.Equal("kill_switch_strategy", (string?)(await trader.Placed(strategy, symbol, "sell", 11))["rejectReason"]); // would flip
        Assert.Equal("filled", (string?)(await trader.Placed(strategy, symbol, "sell", 4))["status"]);
        Assert.Equal("stopped", (string?)(await (await trader.Get($"/v1/strategies/{strategy}")).Read())["status"]);

        await admin.PostJson("/v1/controls/kill-switch", new { scope = $"strategy:{strategy}", state = "active", reason = "all clear" });
        Assert.Equal("filled", (string?)(await trader.Placed(strategy, symbol, "buy", 1))["status"]);

        var view = await (await trader.Get("/v1/controls/kill-switch")).Read();
        var scope = view["strategies"]!.AsArray().Single(s => (string?)s!["strategyId"] == strategy)!;
        Assert.Equal("active", (string?)scope["state"]);
        Assert.Equal(EmbeddedApiFactory.AdminUsername, (string?)scope["changedBy"]);

        var alerts = await (await trader.Get("/v1/alerts?severity=critical")).Read();
        Assert.Contains(alerts["items"]!.AsArray(), a => (string?)a!["strategyId"] == strategy && ((string?)a["message"])!.Contains("halted", StringComparison.Ordinal));
        var audit = await (await admin.Get($"/v1/audit?action=kill_switch.change&per_page=500")).Read();
        var record = audit["items"]!.AsArray().First(r => (string?)r!["target"] == $"strategy:{strategy}")!;
        Assert.Equal(EmbeddedApiFactory.AdminUsername, (string?)record["actor"]);
        Assert.NotNull(record["before"]);
        Assert.NotNull(record["after"]);
        Assert.Equal(HttpStatusCode.Forbidden, (await trader.Get("/v1/audit")).StatusCode);
    }

    [Fact]
    public async Task Flatten_closes_the_strategys_positions_at_the_market()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var (a, b) = (TradingClient.NewSymbol(), TradingClient.NewSymbol());
        var strategy = await admin.CreateStrategy([a, b]);
        await trader.Tick(a, 10m);
        await trader.Tick(b, 20m);
        await trader.Placed(strategy, a, "buy", 5);
        await trader.Placed(strategy, b, "sell", 3);

        var response = await admin.PostJson("/v1/controls/kill-switch", new { scope = $"strategy:{strategy}", state = "halted", reason = "flatten", flatten = true });

        Assert.Equal(2, (int?)(await response.Read())["applied"]!["flattenOrders"]);
        Assert.Equal(0m, (await trader.Position(strategy, a))["quantity"].Number());
        Assert.Equal(0m, (await trader.Position(strategy, b))["quantity"].Number());
    }

    [Fact]
    public async Task A_strategy_beyond_its_daily_loss_halts_itself_raises_an_alert_and_stays_halted_until_released()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol], TradingClient.Risk(maxDailyLoss: 50));
        await trader.Tick(symbol, 100m);
        await trader.Placed(strategy, symbol, "buy", 10);

        await trader.Tick(symbol, 94m); // -60 unrealized

        var view = await (await trader.Get($"/v1/strategies/{strategy}")).Read();
        Assert.Equal("halted", (string?)view["status"]);
        Assert.Equal(-60m, view["pnl"]!["daily"].Number());
        Assert.Equal("strategy_halted", (string?)(await trader.Placed(strategy, symbol, "sell", 1))["rejectReason"]);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PatchJson($"/v1/strategies/{strategy}", new { status = "running" })).StatusCode);
        await TradingPlatform.Testing.Eventually.True(async () =>
        {
            var alerts = await (await trader.Get("/v1/alerts?acknowledged=false&per_page=500")).Read();
            return alerts["items"]!.AsArray().Any(a => (string?)a!["strategyId"] == strategy && (string?)a["kind"] == "strategy_auto_trip");
        }, TimeSpan.FromSeconds(10), "the auto-trip alert is raised");

        var alert = (await (await trader.Get("/v1/alerts?per_page=500")).Read())["items"]!.AsArray()
            .First(a => (string?)a!["strategyId"] == strategy && (string?)a["kind"] == "strategy_auto_trip")!;
        var acknowledged = await trader.PostAsync(new Uri($"/v1/alerts/{alert["id"]}/ack", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.OK, acknowledged.StatusCode);
        Assert.True((bool?)(await acknowledged.Read())["acknowledged"]);
        Assert.Equal(HttpStatusCode.NotFound, (await trader.PostAsync(new Uri("/v1/alerts/alert-0/ack", UriKind.Relative), null)).StatusCode);

        await admin.PostJson("/v1/controls/kill-switch", new { scope = $"strategy:{strategy}", state = "active", reason = "reviewed" });
        Assert.Equal("stopped", (string?)(await (await trader.Get($"/v1/strategies/{strategy}")).Read())["status"]);
        Assert.Equal("filled", (string?)(await trader.Placed(strategy, symbol, "sell", 10))["status"]);
    }

    [Fact]
    public async Task Kill_switch_requests_are_validated()
    {
        var admin = await factory.Admin();
        var bad = await admin.PostJson("/v1/controls/kill-switch", new { scope = "everything", state = "off" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Read())["errors"]!.AsObject();
        Assert.True(errors.ContainsKey("scope") && errors.ContainsKey("state") && errors.ContainsKey("reason"), errors.ToJsonString());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PostJson("/v1/controls/kill-switch", new { scope = "strategy:nobody-here", state = "halted", reason = "x" })).StatusCode);
    }

    [Fact]
    public async Task Strategy_and_user_admin_changes_are_audited_with_before_and_after()
    {
        var admin = await factory.Admin();
        var strategy = await admin.CreateStrategy([TradingClient.NewSymbol()]);
        await admin.PatchJson($"/v1/strategies/{strategy}", new { name = "renamed" });
        var username = "audited-" + Guid.NewGuid().ToString("N")[..8];
        await factory.CreateUser(username, "viewer");
        await admin.PatchJson($"/v1/users/{username}", new { role = "trader" });

        var audit = (await (await admin.Get("/v1/audit?per_page=500")).Read())["items"]!.AsArray();
        var created = audit.Single(r => (string?)r!["target"] == $"strategy:{strategy}" && (string?)r["action"] == "strategy.create")!;
        Assert.Null(created["before"]);
        var renamed = audit.Single(r => (string?)r!["target"] == $"strategy:{strategy}" && (string?)r["action"] == "strategy.update")!;
        Assert.Equal("test manual", (string?)renamed["before"]!["name"]);
        Assert.Equal("renamed", (string?)renamed["after"]!["name"]);
        var promoted = audit.Single(r => (string?)r!["target"] == $"user:{username}" && (string?)r["action"] == "user.update")!;
        Assert.Equal("viewer", (string?)promoted["before"]!["role"]);
        Assert.Equal("trader", (string?)promoted["after"]!["role"]);
        Assert.Equal(EmbeddedApiFactory.AdminUsername, (string?)promoted["actor"]);
        Assert.DoesNotContain(audit, r => r!.ToJsonString().Contains("passwordHash", StringComparison.OrdinalIgnoreCase));
    }
}
