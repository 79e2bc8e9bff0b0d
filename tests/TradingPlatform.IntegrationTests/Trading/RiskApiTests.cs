using System.Net;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Trading;

/// <summary>An embedded platform with fees, a low order rate and a portfolio loss limit, for the checks that change global state.</summary>
public sealed class RiskApiFactory : EmbeddedApiFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Risk:MaxOrdersPerSecondPerStrategy"] = "3",
        ["Risk:MaxPortfolioDailyLoss"] = "1000",
        ["Execution:FeeBps"] = "10",
        ["Execution:SlippageBps"] = "5",
    };
}

[CollectionDefinition(Name)]
public sealed class RiskApiCollection : ICollectionFixture<RiskApiFactory>
{
    public const string Name = "risk-api";
}

[Collection(RiskApiCollection.Name)]
public sealed class RiskApiTests(RiskApiFactory factory)
{
    [Fact]
    public async Task Paper_fills_pay_slippage_and_fees_and_realized_pnl_includes_them()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        await trader.Tick(symbol, 100m);

        var buy = await trader.Placed(strategy, symbol, "buy", 10);
        Assert.Equal(100.05m, buy["averageFillPrice"].Number()); // 5 bps against the buyer
        await Task.Delay(1100); // stay inside the order-rate limit of this factory
        await trader.Tick(symbol, 110m);
        var sell = await trader.Placed(strategy, symbol, "sell", 10);
        Assert.Equal(109.945m, sell["averageFillPrice"].Number());

        var position = await trader.Position(strategy, symbol);
        var fees = 10 * 100.05m * 0.001m + 10 * 109.945m * 0.001m;
        Assert.Equal(fees, position["fees"].Number());
        Assert.Equal(10 * (109.945m - 100.05m) - fees, position["realizedPnl"].Number());
    }

    [Fact]
    public async Task Orders_beyond_the_per_strategy_rate_are_refused_with_order_rate()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        await trader.Tick(symbol, 10m);

        var reasons = new List<string?>();
        for (var i = 0; i < 8; i++) reasons.Add((string?)(await trader.Placed(strategy, symbol, "buy", 1))["rejectReason"]);

        Assert.Contains("order_rate", reasons);
        Assert.True(reasons.Count(r => r is null) <= 3 + 3, string.Join(",", reasons)); // at most the limit per second elapsed
    }

    [Fact]
    public async Task A_global_halt_refuses_every_strategys_orders_until_released()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategies = new[] { await admin.CreateStrategy([symbol]), await admin.CreateStrategy([symbol]) };
        await trader.Tick(symbol, 10m);
        await trader.Placed(strategies[0], symbol, "buy", 5);

        var halt = await admin.PostJson("/v1/controls/kill-switch", new { scope = "global", state = "halted", reason = "global test" });
        Assert.Equal(HttpStatusCode.OK, halt.StatusCode);
        try
        {
            foreach (var id in strategies) Assert.Equal("kill_switch_global", (string?)(await trader.Placed(id, symbol, "buy", 1))["rejectReason"]);
            Assert.Equal("halted", (string?)(await (await trader.Get("/v1/metrics/summary")).Read())["killSwitch"]!["state"]);

            await admin.PostJson("/v1/controls/kill-switch", new { scope = "global", state = "reducing", reason = "global test" });
            Assert.Equal("kill_switch_global", (string?)(await trader.Placed(strategies[1], symbol, "buy", 1))["rejectReason"]);
            Assert.Equal("filled", (string?)(await trader.Placed(strategies[0], symbol, "sell", 2))["status"]);
        }
        finally
        {
            Assert.Equal(HttpStatusCode.OK, (await admin.PostJson("/v1/controls/kill-switch", new { scope = "global", state = "active", reason = "release" })).StatusCode);
        }
        Assert.Equal("filled", (string?)(await trader.Placed(strategies[1], symbol, "buy", 1))["status"]);
    }

    [Fact]
    public async Task A_portfolio_loss_beyond_the_limit_halts_everything_and_raises_an_alert()
    {
        var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
        var symbol = TradingClient.NewSymbol();
        var strategy = await admin.CreateStrategy([symbol]);
        await trader.Tick(symbol, 100m);
        await trader.Placed(strategy, symbol, "buy", 100);
        try
        {
            await trader.Tick(symbol, 80m); // about -2,000 on the day, beyond the 1,000 limit

            await TradingPlatform.Testing.Eventually.True(async () =>
                (string?)(await (await trader.Get("/v1/controls/kill-switch")).Read())["global"]!["state"] == "halted",
                TimeSpan.FromSeconds(10), "the portfolio trips the global kill switch");
            Assert.Equal("kill_switch_global", (string?)(await trader.Placed(strategy, symbol, "sell", 1))["rejectReason"]);
            var alerts = await (await trader.Get("/v1/alerts?per_page=500")).Read();
            Assert.Contains(alerts["items"]!.AsArray(), a => (string?)a!["kind"] == "portfolio_auto_trip");
        }
        finally
        {
            await admin.PostJson("/v1/controls/kill-switch", new { scope = "global", state = "active", reason = "release after portfolio trip" });
        }
    }
}
