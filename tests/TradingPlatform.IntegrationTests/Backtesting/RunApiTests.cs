using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.IntegrationTests.WebSockets;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Backtesting;

/// <summary>The embedded API with one backtest slot, so queueing is observable.</summary>
public sealed class BacktestApiFactory : EmbeddedApiFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Backtests:MaxConcurrentPerSilo"] = "1",
    };

    public Uri BaseAddress => CreateClient().BaseAddress!;
}

[CollectionDefinition(Name)]
public sealed class BacktestApiCollection : ICollectionFixture<BacktestApiFactory>
{
    public const string Name = "backtest-api";
}

/// <summary><c>/v1/runs</c> end to end: candles imported over HTTP, runs queued, executed by the silo's worker, results read back.</summary>
[Collection(BacktestApiCollection.Name)]
public sealed class RunApiTests(BacktestApiFactory factory)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The real SPY daily bars (LEAN sample data) imported under a fresh symbol; returns it and the rows.</summary>
    private async Task<(string Symbol, string[][] Rows)> ImportSpyDaily()
    {
        var symbol = TradingClient.NewSymbol();
        var lines = File.ReadAllLines(RepoPaths.TestData("spy-1d.csv"));
        var csv = new StringBuilder(lines[0]).Append('\n');
        foreach (var line in lines.Skip(1)) csv.Append(symbol).Append(line.AsSpan(line.IndexOf(','))).Append('\n');
        var admin = await factory.Admin();
        var response = await admin.PostAsync("/v1/candles/import", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (symbol, lines.Skip(1).Select(l => l.Split(',')).ToArray());
    }

    private static Dictionary<string, object?> RunBody(string symbol, string kind, Dictionary<string, object> parameters,
        string from = "1998-01-01T00:00:00Z", string to = "2021-04-01T00:00:00Z", decimal feeBps = 1, decimal slippageBps = 2) => new()
    {
        ["strategy"] = new Dictionary<string, object> { ["kind"] = kind, ["parameters"] = parameters },
        ["symbol"] = symbol,
        ["timeframe"] = "1d",
        ["from"] = from,
        ["to"] = to,
        ["initialCapital"] = 100_000m,
        ["feeBps"] = feeBps,
        ["slippageBps"] = slippageBps,
    };

    private static async Task<string> Queue(HttpClient trader, Dictionary<string, object?> body)
    {
        var response = await trader.PostJson("/v1/runs", body);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var run = await response.Read();
        Assert.Equal("queued", (string?)run["status"]);
        var id = (string)run["id"]!;
        Assert.Equal($"/v1/runs/{id}", response.Headers.Location?.AbsolutePath);
        return id;
    }

    private static Task<JsonNode> Finished(HttpClient client, string id) =>
        Eventually.Get(async () => await (await client.Get($"/v1/runs/{id}")).Read(),
            run => (string?)run["status"] is "completed" or "failed" or "cancelled", Patience, $"run {id} finishes");

    [Fact]
    public async Task Buy_and_hold_over_real_daily_bars_buys_at_the_second_bars_open_and_its_equity_is_exact()
    {
        var (symbol, rows) = await ImportSpyDaily();
        var trader = await factory.As("trader");
        var id = await Queue(trader, RunBody(symbol, "buy_and_hold", new() { ["quantity"] = 100 }));

        var run = await Finished(trader, id);
        Assert.Equal("completed", (string?)run["status"]);
        Assert.Equal(1.0, (double)run["progress"]!);
        Assert.Equal(rows.Length, (long)run["bars"]!);

        var results = await (await trader.Get($"/v1/runs/{id}/results")).Read();
        var trades = results["trades"]!["items"]!.AsArray();
        Assert.Single(trades);
        // Decided on the first bar's close, filled at the second bar's open plus 2 bps of slippage, 1 bp of fee.
        var open = decimal.Parse(rows[1][3], CultureInfo.InvariantCulture);
        var price = Math.Round(open * 1.0002m, 8, MidpointRounding.ToEven);
        var fee = Math.Round(100 * price * 0.0001m, 8, MidpointRounding.ToEven);
        Assert.Equal(price, trades[0]!["price"].Number());
        Assert.Equal(fee, trades[0]!["fee"].Number());
        Assert.Equal(DateTime.Parse(rows[1][2], CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal), (DateTime)trades[0]!["time"]!);

        var lastClose = decimal.Parse(rows[^1][6], CultureInfo.InvariantCulture);
        var finalEquity = 100_000m - 100 * price - fee + 100 * lastClose;
        var metrics = results["metrics"]!;
        Assert.Equal(finalEquity, metrics["finalEquity"].Number());
        Assert.Equal(finalEquity / 100_000m - 1, metrics["totalReturn"].Number());
        var curve = results["equityCurve"]!.AsArray();
        Assert.Equal(rows.Length, curve.Count); // one point per UTC day with a bar
        Assert.Equal(finalEquity, curve[^1]!["equity"].Number());
        Assert.Equal(0, (int)metrics["closedTrades"]!);
        Assert.Null(metrics["winRate"]);
        // Drawdown recomputed from the served equity curve, starting from the initial capital.
        decimal peak = 100_000m, deepest = 0m;
        foreach (var point in curve)
        {
            var equity = point!["equity"].Number();
            peak = Math.Max(peak, equity);
            deepest = Math.Min(deepest, equity / peak - 1);
        }
        Assert.True(deepest < -0.03m, "holding 100 SPY through 2008 costs the account more than 3 %");
        Assert.Equal((double)deepest, (double)metrics["maxDrawdown"]!, 9);
    }

    [Fact]
    public async Task An_sma_cross_run_pages_its_trades_and_progress_reaches_a_websocket_subscriber()
    {
        var (symbol, _) = await ImportSpyDaily();
        var trader = await factory.As("trader");
        var id = await Queue(trader, RunBody(symbol, "sma_cross", new() { ["fast"] = 10, ["slow"] = 50, ["quantity"] = 100 }));

        await using var ws = await WsClient.Connect(factory.BaseAddress, (await factory.Login(EmbeddedApiFactory.AdminUsername, EmbeddedApiFactory.AdminPassword)).Access);
        await ws.Subscribe([$"backtest:{id}"], new Dictionary<string, long> { [$"backtest:{id}"] = 0 });
        var events = await ws.Events($"backtest:{id}", e => e.Count > 0 && (string?)e[^1]["data"]!["status"] is "completed" or "failed",
            "the run's progress up to its final status");
        Assert.Equal("queued", (string?)events[0]["data"]!["status"]);
        Assert.Equal("completed", (string?)events[^1]["data"]!["status"]);
        for (var i = 1; i < events.Count; i++)
            Assert.True((double)events[i]["data"]!["progress"]! >= (double)events[i - 1]["data"]!["progress"]!, "progress never goes back");

        var first = await (await trader.Get($"/v1/runs/{id}/results?page=1&per_page=5")).Read();
        var second = await (await trader.Get($"/v1/runs/{id}/results?page=2&per_page=5")).Read();
        var total = (long)first["trades"]!["total"]!;
        Assert.Equal(total, (long)first["metrics"]!["trades"]!);
        Assert.True(total > 10, $"a 10/50 cross over 23 years trades more than 10 times (got {total})");
        Assert.Equal(5, first["trades"]!["items"]!.AsArray().Count);
        Assert.True((DateTime)second["trades"]!["items"]![0]!["time"]! > (DateTime)first["trades"]!["items"]![4]!["time"]!);
        // A cross flips the position: after the first trade every fill takes it from +100 to -100 or back.
        Assert.All(second["trades"]!["items"]!.AsArray(), t => Assert.Equal(100m, Math.Abs(t!["positionAfter"].Number())));

        var listed = await (await trader.Get($"/v1/runs?symbol={symbol}&status=completed&strategyKind=sma_cross")).Read();
        Assert.Equal(id, (string?)listed["items"]![0]!["id"]);
        Assert.Equal(1, (long)listed["total"]!);
    }

    [Fact]
    public async Task A_run_without_candles_fails_with_a_reason_and_has_no_results()
    {
        var trader = await factory.As("trader");
        var id = await Queue(trader, RunBody(TradingClient.NewSymbol(), "buy_and_hold", new() { ["quantity"] = 1 }));
        var run = await Finished(trader, id);
        Assert.Equal("failed", (string?)run["status"]);
        Assert.Contains("No 1d candles", (string?)run["error"]);

        var results = await trader.Get($"/v1/runs/{id}/results");
        Assert.Equal(HttpStatusCode.Conflict, results.StatusCode);
        Assert.Equal("application/problem+json", results.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Conflict, (await trader.PostJson($"/v1/runs/{id}/cancel", new { })).StatusCode);
    }

    [Fact]
    public async Task Unknown_runs_are_404_and_bad_requests_are_400_with_field_errors()
    {
        var trader = await factory.As("trader");
        foreach (var path in new[] { "/v1/runs/nope", "/v1/runs/nope/results", "/v1/runs/..%2F..%2Fetc" })
            Assert.Equal(HttpStatusCode.NotFound, (await trader.Get(path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await trader.PostJson("/v1/runs/nope/cancel", new { })).StatusCode);

        async Task<JsonObject> Errors(object body)
        {
            var response = await trader.PostJson("/v1/runs", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            return (await response.Read())["errors"]!.AsObject();
        }

        var missing = await Errors(new { });
        foreach (var field in new[] { "strategy", "symbol", "timeframe", "from", "to", "initialCapital" }) Assert.True(missing.ContainsKey(field), field);

        var bad = RunBody("SPY", "sma_cross", new() { ["fast"] = 50, ["slow"] = 10, ["quantity"] = 1, ["bogus"] = 1 },
            from: "2021-01-01T00:00:00Z", to: "2020-01-01T00:00:00Z", feeBps: -1);
        bad["timeframe"] = "2m";
        var errors = await Errors(bad);
        Assert.True(errors.ContainsKey("timeframe"));
        bad["timeframe"] = "1d";
        errors = await Errors(bad);
        foreach (var field in new[] { "to", "feeBps", "strategy.parameters.fast", "strategy.parameters.bogus" }) Assert.True(errors.ContainsKey(field), field);

        Assert.True((await Errors(RunBody("SPY", "manual", new()))).ContainsKey("strategy.kind"));
        Assert.True((await Errors(RunBody("SPY", "martingale", new()))).ContainsKey("strategy.kind"));
        Assert.Equal(HttpStatusCode.BadRequest, (await trader.PostRaw("/v1/runs", "{\"strategy\":")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await trader.Get("/v1/runs?status=sleeping")).StatusCode);

        var viewer = await factory.As("viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.PostJson("/v1/runs", RunBody("SPY", "buy_and_hold", new() { ["quantity"] = 1 }))).StatusCode);
    }

    [Fact]
    public async Task Buy_and_hold_against_its_own_symbol_has_beta_near_1_alpha_near_0_and_the_benchmark_return_is_the_price_return()
    {
        var (symbol, rows) = await ImportSpyDaily();
        var trader = await factory.As("trader");
        // 1,000 shares at about 97: 97 % of the capital in SPY at the start, more as it rises, so beta is just under 1.
        var body = RunBody(symbol, "buy_and_hold", new() { ["quantity"] = 1000 }, feeBps: 0, slippageBps: 0);
        body["benchmarkSymbol"] = symbol.ToLowerInvariant(); // symbols are normalized like the run's own
        var id = await Queue(trader, body);
        Assert.Equal(symbol, (string?)(await (await trader.Get($"/v1/runs/{id}")).Read())["benchmarkSymbol"]);

        Assert.Equal("completed", (string?)(await Finished(trader, id))["status"]);
        var metrics = (await (await trader.Get($"/v1/runs/{id}/results")).Read())["metrics"]!;
        Assert.Equal(symbol, (string?)metrics["benchmarkSymbol"]);
        var beta = (double)metrics["beta"]!;
        var alpha = (double)metrics["alpha"]!;
        Assert.InRange(beta, 0.97, 1.0); // independent replay of the same bars in Python: 0.98304
        Assert.InRange(alpha, -0.005, 0.005); // the same replay: -0.00021
        var firstClose = decimal.Parse(rows[0][6], CultureInfo.InvariantCulture);
        var lastClose = decimal.Parse(rows[^1][6], CultureInfo.InvariantCulture);
        Assert.Equal(lastClose / firstClose - 1, metrics["benchmarkReturn"].Number());

        // Without a benchmark the three are null.
        var plain = await Queue(trader, RunBody(symbol, "buy_and_hold", new() { ["quantity"] = 1000 }));
        Assert.Equal("completed", (string?)(await Finished(trader, plain))["status"]);
        var plainMetrics = (await (await trader.Get($"/v1/runs/{plain}/results")).Read())["metrics"]!;
        Assert.Null(plainMetrics["beta"]);
        Assert.Null(plainMetrics["alpha"]);
        Assert.Null(plainMetrics["benchmarkReturn"]);
    }

    [Fact]
    public async Task A_benchmark_without_candles_in_the_range_is_refused_at_creation()
    {
        var (symbol, _) = await ImportSpyDaily();
        var trader = await factory.As("trader");

        async Task<string[]> BenchmarkErrors(string benchmark, string from = "1998-01-01T00:00:00Z", string to = "2021-04-01T00:00:00Z")
        {
            var body = RunBody(symbol, "buy_and_hold", new() { ["quantity"] = 1 }, from: from, to: to);
            body["benchmarkSymbol"] = benchmark;
            var response = await trader.PostJson("/v1/runs", body);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var errors = (await response.Read())["errors"]!.AsObject();
            return errors["benchmarkSymbol"]!.AsArray().Select(m => (string)m!).ToArray();
        }

        Assert.Contains("No 1d candles", Assert.Single(await BenchmarkErrors(TradingClient.NewSymbol())), StringComparison.Ordinal);
        Assert.Contains("No 1d candles", Assert.Single(await BenchmarkErrors(symbol, "1990-01-01T00:00:00Z", "1991-01-01T00:00:00Z")), StringComparison.Ordinal);
        Assert.Single(await BenchmarkErrors("not a symbol!"));
        Assert.Single(await BenchmarkErrors(new string('A', 40)));
        var runs = await (await trader.Get($"/v1/runs?symbol={symbol}&per_page=500")).Read();
        Assert.Equal(0, (int)runs["total"]!); // nothing was queued
    }

    [Fact]
    public async Task Cancelling_a_queued_run_cancels_it_and_a_second_cancel_is_a_conflict()
    {
        var (symbol, _) = await ImportSpyDaily();
        var trader = await factory.As("trader");
        // One slot: a burst of runs queues behind each other; the last one is still queued (or just starting) when cancelled.
        var ids = new List<string>();
        for (var i = 0; i < 4; i++) ids.Add(await Queue(trader, RunBody(symbol, "sma_cross", new() { ["fast"] = 5 + i, ["slow"] = 60, ["quantity"] = 10 })));
        var cancel = await trader.PostJson($"/v1/runs/{ids[^1]}/cancel", new { });
        Assert.Equal(HttpStatusCode.Accepted, cancel.StatusCode);

        var run = await Finished(trader, ids[^1]);
        Assert.Equal("cancelled", (string?)run["status"]);
        Assert.Equal(HttpStatusCode.Conflict, (await trader.PostJson($"/v1/runs/{ids[^1]}/cancel", new { })).StatusCode);
        foreach (var id in ids.Take(3)) Assert.Equal("completed", (string?)(await Finished(trader, id))["status"]);
    }
}
