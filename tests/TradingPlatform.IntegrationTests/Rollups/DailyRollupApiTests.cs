using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Rollups;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Rollups;

/// <summary>
/// Daily rollups end to end: trades through the API, the rollups' clock crossing midnight, the snapshot read back
/// through <c>GET /v1/metrics/daily</c> and <c>/risk</c> over real Postgres. The clock only moves forward; each test
/// works from the day the clock is on, so the order of the tests does not matter.
/// </summary>
[Collection(RollupApiCollection.Name)]
public sealed class DailyRollupApiTests(RollupApiFactory factory)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private ManualClock Clock => factory.Clock;

    private static string Iso(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>A manual strategy on a fresh symbol, and a trader client.</summary>
    private async Task<(string Strategy, string Symbol, HttpClient Trader)> NewStrategy()
    {
        var symbol = TradingClient.NewSymbol();
        var strategy = await (await factory.Admin()).CreateStrategy([symbol]);
        return (strategy, symbol, await factory.As("trader"));
    }

    /// <summary>An external fill executed at <paramref name="executedAt"/> (the rollups count fills by execution time).</summary>
    private static async Task Fill(HttpClient trader, string strategy, string symbol, string side, decimal quantity, decimal price, DateTimeOffset executedAt)
    {
        var response = await trader.PostJson("/v1/fills", new
        {
            fillId = "f-" + Guid.NewGuid().ToString("N"), strategyId = strategy, symbol, side, quantity, price, fee = 0m, timestamp = executedAt,
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private static Task WaitForUnrealized(HttpClient client, string strategy, decimal unrealized) =>
        Eventually.True(async () => (await (await client.Get($"/v1/strategies/{strategy}")).Read())["pnl"]!["unrealized"].Number() == unrealized,
            Patience, $"strategy {strategy} marked to unrealized {unrealized}");

    private static async Task<JsonArray> Daily(HttpClient client, string query, int expected) =>
        (await Eventually.Get(async () => await (await client.Get("/v1/metrics/daily?" + query)).Read(),
            page => page["items"]!.AsArray().Count >= expected, Patience, $"{expected} daily snapshot(s) for {query}"))["items"]!.AsArray();

    [Fact]
    public async Task At_midnight_the_strategy_and_the_portfolio_write_the_days_snapshot_with_its_values()
    {
        var (strategy, symbol, trader) = await NewStrategy();
        var day = RollupDays.DayOf(Clock.Now);
        var during = RollupDays.StartOf(day).AddHours(12);
        await trader.Tick(symbol, 100m);
        await Fill(trader, strategy, symbol, "buy", 10m, 100m, during);
        await trader.Tick(symbol, 110m);
        await Fill(trader, strategy, symbol, "sell", 4m, 110m, during.AddMinutes(1));
        await WaitForUnrealized(trader, strategy, 60m); // 6 held at 100, marked 110

        var viewer = await factory.As("viewer");
        var before = await (await viewer.Get($"/v1/metrics/daily?strategyId={strategy}")).Read();
        Assert.Equal(0, (long)before["total"]!);

        var midnight = RollupDays.EndOf(day);
        Clock.Now = midnight.AddSeconds(2);
        var row = (await Daily(viewer, $"strategyId={strategy}", 1)).Single()!;

        Assert.Equal($"strategy:{strategy}", (string?)row["scope"]);
        Assert.Equal(strategy, (string?)row["strategyId"]);
        Assert.Equal(Iso(day), (string?)row["day"]);
        Assert.Equal(RollupApiFactory.StrategyCapital, row["capital"].Number());
        Assert.Equal(RollupApiFactory.StrategyCapital + 100m, row["equity"].Number());
        Assert.Equal(40m, row["pnl"]!["realized"].Number());       // 4 sold at 110 against an average of 100
        Assert.Equal(60m, row["pnl"]!["unrealized"].Number());     // 6 held, 10 up
        Assert.Equal(100m, row["pnl"]!["total"].Number());
        Assert.Equal(100m, row["pnl"]!["daily"].Number());         // the strategy's first snapshot
        Assert.Equal(660m, row["exposure"]!["gross"].Number());    // 6 × 110
        Assert.Equal(660m, row["exposure"]!["net"].Number());
        Assert.Equal(1, (int)row["openPositions"]!);
        Assert.Equal(2, (long)row["fills"]!);
        Assert.False((bool)row["late"]!);
        Assert.Equal(midnight.AddSeconds(2), DateTimeOffset.Parse((string)row["capturedAt"]!, CultureInfo.InvariantCulture));

        // The portfolio's row of the same day: Risk:StartingEquity + every strategy's PnL, written in the same pass.
        var portfolio = (await Daily(viewer, $"from={Iso(day)}&to={Iso(day)}", 1)).Single()!;
        Assert.Equal("portfolio", (string?)portfolio["scope"]);
        Assert.Null(portfolio["strategyId"]);
        Assert.Equal(1_000_000m, portfolio["capital"].Number());
        Assert.Equal(1_000_000m + portfolio["pnl"]!["total"].Number(), portfolio["equity"].Number());
        Assert.True(portfolio["fills"]!.GetValue<long>() >= 2);
        Assert.True(portfolio["exposure"]!["gross"].Number() >= 660m);
        Assert.Equal(RollupDays.EndOf(day).AddSeconds(2), DateTimeOffset.Parse((string)portfolio["capturedAt"]!, CultureInfo.InvariantCulture));

        // Asking again (as a restarted silo would) writes nothing twice.
        Assert.Equal(0, await factory.Services.GetRequiredService<IGrainFactory>().GetGrain<IDailyRollupGrain>(IDailyRollupGrain.Key).CatchUp());
        Assert.Equal(1, (long)(await (await viewer.Get($"/v1/metrics/daily?strategyId={strategy}")).Read())["total"]!);
    }

    [Fact]
    public async Task A_missed_day_is_written_late_when_the_cluster_is_back_and_the_risk_metrics_count_it()
    {
        var (strategy, symbol, trader) = await NewStrategy();
        var day = RollupDays.DayOf(Clock.Now);
        await trader.Tick(symbol, 200m);
        await Fill(trader, strategy, symbol, "buy", 5m, 200m, RollupDays.StartOf(day).AddHours(12));
        await trader.Tick(symbol, 210m);
        await WaitForUnrealized(trader, strategy, 50m);

        // Down over two midnights: the clock comes back an hour after the second one.
        var back = RollupDays.EndOf(day.AddDays(1)).AddHours(1);
        Clock.Now = back;
        var viewer = await factory.As("viewer");
        var rows = await Daily(viewer, $"strategyId={strategy}", 2);

        Assert.Equal([Iso(day.AddDays(1)), Iso(day)], rows.Select(r => (string)r!["day"]!).ToArray()); // newest first
        foreach (var row in rows)
        {
            Assert.True((bool)row!["late"]!);
            Assert.Equal(back, DateTimeOffset.Parse((string)row["capturedAt"]!, CultureInfo.InvariantCulture));
            Assert.Equal(RollupApiFactory.StrategyCapital + 50m, row["equity"].Number()); // the values when it was back
        }
        Assert.Equal(50m, rows[1]!["pnl"]!["daily"].Number());
        Assert.Equal(0m, rows[0]!["pnl"]!["daily"].Number());
        Assert.Equal(1, (long)rows[1]!["fills"]!);
        Assert.Equal(0, (long)rows[0]!["fills"]!);
        Assert.Equal(2, (long)(await (await viewer.Get($"/v1/metrics/daily?from={Iso(day)}&to={Iso(day.AddDays(1))}")).Read())["total"]!); // the portfolio too

        // Returns 10050/10000 − 1 and 0: Sharpe 0.0025 / 0.0035355 × √252; no losing day, so no Sortino.
        var risk = await (await viewer.Get($"/v1/metrics/risk?strategyId={strategy}")).Read();
        Assert.Equal(2, (int)risk["days"]!);
        Assert.Equal(2, (int)risk["lateDays"]!);
        Assert.Equal(Iso(day), (string?)risk["from"]);
        Assert.Equal(Iso(day.AddDays(1)), (string?)risk["to"]);
        Assert.Equal(252, (int)risk["periodsPerYear"]!);
        Assert.Equal(RollupApiFactory.StrategyCapital, risk["startEquity"].Number());
        Assert.Equal(0.005m, risk["totalReturn"].Number());
        AssertClose(11.224972160321826, (double)risk["sharpe"]!);
        AssertClose(0.056124860801607925, (double)risk["volatility"]!);
        Assert.Null(risk["sortino"]);
        Assert.Equal(0.0, (double)risk["maxDrawdown"]!);
    }

    /// <summary>Capital 100, equity 101, 99, 102, 100.5, 103 (the backtest metrics' vector), then 104 and 101 (days 6 and 7).</summary>
    private async Task<string> StrategyWithSevenDays()
    {
        var (strategy, _, _) = await NewStrategy();
        decimal[] pnl = [1m, -1m, 2m, 0.5m, 3m, 4m, 1m];
        var rows = new List<DailyRollup>();
        var previous = 0m;
        for (var i = 0; i < pnl.Length; i++)
        {
            var day = new DateOnly(2020, 1, 1).AddDays(i);
            rows.Add(new DailyRollup(RollupScopes.Strategy(strategy), day, 100m, 100m + pnl[i], pnl[i], 0m, pnl[i] - previous, 0m, 0m, 0, 0,
                Late: i == 4, RollupDays.EndOf(day).AddSeconds(1)));
            previous = pnl[i];
        }
        Assert.Equal(7, await factory.Store.Write(rows));
        return strategy;
    }

    [Fact]
    public async Task Daily_snapshots_page_newest_first_and_filter_by_inclusive_dates()
    {
        var strategy = await StrategyWithSevenDays();
        var viewer = await factory.As("viewer");

        var first = await (await viewer.Get($"/v1/metrics/daily?strategyId={strategy}&per_page=3")).Read();
        Assert.Equal(7, (long)first["total"]!);
        Assert.Equal(3, (int)first["perPage"]!);
        Assert.Equal(["2020-01-07", "2020-01-06", "2020-01-05"], first["items"]!.AsArray().Select(r => (string)r!["day"]!).ToArray());
        Assert.True((bool)first["items"]![2]!["late"]!);
        var last = await (await viewer.Get($"/v1/metrics/daily?strategyId={strategy}&per_page=3&page=3")).Read();
        Assert.Equal(["2020-01-01"], last["items"]!.AsArray().Select(r => (string)r!["day"]!).ToArray());

        var window = await (await viewer.Get($"/v1/metrics/daily?strategyId={strategy}&from=2020-01-03&to=2020-01-05")).Read();
        Assert.Equal(3, (long)window["total"]!);
        Assert.Equal(["2020-01-05", "2020-01-04", "2020-01-03"], window["items"]!.AsArray().Select(r => (string)r!["day"]!).ToArray());
        Assert.Equal(-1.5m, window["items"]![1]!["pnl"]!["daily"].Number());
        Assert.Equal(0, (long)(await (await viewer.Get($"/v1/metrics/daily?strategyId={strategy}&from=2019-01-01&to=2019-12-31")).Read())["total"]!);
    }

    [Fact]
    public async Task Risk_metrics_over_a_window_match_the_backtest_functions_hand_computed_values()
    {
        var strategy = await StrategyWithSevenDays();
        var viewer = await factory.As("viewer");

        var risk = await (await viewer.Get($"/v1/metrics/risk?strategyId={strategy}&from=2020-01-01&to=2020-01-05")).Read();

        Assert.Equal($"strategy:{strategy}", (string?)risk["scope"]);
        Assert.Equal(5, (int)risk["days"]!);
        Assert.Equal(1, (int)risk["lateDays"]!);
        Assert.Equal(100m, risk["startEquity"].Number());
        Assert.Equal(103m, risk["endEquity"].Number());
        Assert.Equal(0.03m, risk["totalReturn"].Number());
        AssertClose(4.293733889338739, (double)risk["sharpe"]!);
        AssertClose(8.827795484602117, (double)risk["sortino"]!);
        AssertClose(0.3600148117763163, (double)risk["volatility"]!);
        AssertClose(-0.01980198019801982, (double)risk["maxDrawdown"]!);

        var daily365 = await (await viewer.Get($"/v1/metrics/risk?strategyId={strategy}&from=2020-01-01&to=2020-01-05&periodsPerYear=365&riskFreeRate=0")).Read();
        AssertClose(5.16750953572139, (double)daily365["sharpe"]!);
        var withRf = await (await viewer.Get($"/v1/metrics/risk?strategyId={strategy}&from=2020-01-01&to=2020-01-05&riskFreeRate=0.05")).Read();
        AssertClose(4.154850714634619, (double)withRf["sharpe"]!);

        // One day is too few for a ratio: null, never NaN.
        var one = await (await viewer.Get($"/v1/metrics/risk?strategyId={strategy}&from=2020-01-07&to=2020-01-07")).Read();
        Assert.Equal(1, (int)one["days"]!);
        Assert.Null(one["sharpe"]);
        Assert.Null(one["sortino"]);
        Assert.Null(one["volatility"]);
        var none = await (await viewer.Get($"/v1/metrics/risk?strategyId={strategy}&from=2019-01-01&to=2019-01-31")).Read();
        Assert.Equal(0, (int)none["days"]!);
        Assert.Null(none["maxDrawdown"]);
        Assert.Null(none["from"]);
    }

    [Theory]
    [InlineData("/v1/metrics/daily?from=2024-13-01", "from")]
    [InlineData("/v1/metrics/daily?to=yesterday", "to")]
    [InlineData("/v1/metrics/daily?from=2024-01-31T00:00:00Z", "from")]
    [InlineData("/v1/metrics/daily?from=2024-02-01&to=2024-01-31", "to")]
    [InlineData("/v1/metrics/daily?per_page=501", "per_page")]
    [InlineData("/v1/metrics/daily?page=0", "page")]
    [InlineData("/v1/metrics/risk?from=2024-02-30", "from")]
    [InlineData("/v1/metrics/risk?from=2024-02-01&to=2024-01-31", "to")]
    [InlineData("/v1/metrics/risk?periodsPerYear=0", "periodsPerYear")]
    [InlineData("/v1/metrics/risk?periodsPerYear=367", "periodsPerYear")]
    [InlineData("/v1/metrics/risk?riskFreeRate=NaN", "riskFreeRate")]
    [InlineData("/v1/metrics/risk?riskFreeRate=2", "riskFreeRate")]
    public async Task Bad_query_parameters_are_400_with_the_field_named(string path, string field)
    {
        var response = await (await factory.As("viewer")).Get(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull((await response.Read())["errors"]![field]);
    }

    [Theory]
    [InlineData("/v1/metrics/daily?strategyId=nobody-here")]
    [InlineData("/v1/metrics/risk?strategyId=nobody-here")]
    [InlineData("/v1/metrics/daily?strategyId=..%2Fetc")]
    [InlineData("/v1/metrics/risk?strategyId=%27%3B%20drop%20table%20daily_rollups")]
    public async Task An_unknown_strategy_is_404(string path)
    {
        var response = await (await factory.As("viewer")).Get(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Strategy not found", (string?)(await response.Read())["title"]);
    }

    [Fact]
    public async Task Viewers_read_rollups_and_anonymous_callers_get_401()
    {
        var strategy = await StrategyWithSevenDays();
        foreach (var path in new[] { "/v1/metrics/daily", "/v1/metrics/risk", $"/v1/metrics/daily?strategyId={strategy}", $"/v1/metrics/risk?strategyId={strategy}" })
        {
            Assert.Equal(HttpStatusCode.OK, (await (await factory.As("viewer")).Get(path)).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await (await factory.As("trader")).Get(path)).StatusCode);
            var anonymous = await factory.CreateClient().Get(path);
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        }
    }

    [Fact]
    public async Task Two_writers_racing_for_a_day_leave_exactly_one_snapshot_per_scope_the_first_ones()
    {
        var (strategy, _, _) = await NewStrategy();
        var day = new DateOnly(2019, 6, 1);
        DailyRollup Row(decimal pnl) => new(RollupScopes.Strategy(strategy), day, 100m, 100m + pnl, pnl, 0m, pnl, 0m, 0m, 0, 0, false, RollupDays.EndOf(day));

        var written = await Task.WhenAll(factory.Store.Write([Row(1m)]), factory.Store.Write([Row(2m)]));
        var retried = await factory.Store.Write([Row(3m)]);

        Assert.Equal(1, written.Sum());
        Assert.Equal(0, retried);
        var page = await factory.Store.Query(new DailyRollupQuery(RollupScopes.Strategy(strategy)), new Common.PageRequest(1, 10));
        Assert.Equal(1, page.Total);
        Assert.Equal(written[0] == 1 ? 1m : 2m, page.Items[0].RealizedPnl);
    }

    [Fact]
    public async Task The_openapi_document_describes_both_endpoints_and_their_error_responses()
    {
        var document = await (await factory.CreateClient().Get("/openapi/v1.json")).Read();
        foreach (var path in new[] { "/v1/metrics/daily", "/v1/metrics/risk" })
        {
            var responses = document["paths"]![path]!["get"]!["responses"]!.AsObject();
            Assert.Contains("200", responses.Select(r => r.Key));
            Assert.Contains("400", responses.Select(r => r.Key));
            Assert.Contains("404", responses.Select(r => r.Key));
        }
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(expected - actual) <= Math.Abs(expected) * 1e-9 + 1e-12, $"expected {expected:R}, got {actual:R}");
}
