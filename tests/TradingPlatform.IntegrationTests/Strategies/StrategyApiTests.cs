using System.Net;
using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Strategies;

[Collection(EmbeddedApiCollection.Name)]
public sealed class StrategyApiTests(EmbeddedApiFactory factory) : IAsyncLifetime
{
    private HttpClient _http = null!;

    public async Task InitializeAsync() => _http = await factory.Admin();

    public Task DisposeAsync() => Task.CompletedTask;

    private async Task<JsonNode> Create(string id)
    {
        var response = await _http.PostJson("/v1/strategies", StrategyBodies.SmaCross(id));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Read();
    }

    [Fact]
    public async Task Creating_a_strategy_returns_201_with_its_location_and_live_state()
    {
        var id = StrategyBodies.NewId();

        var response = await _http.PostJson("/v1/strategies", StrategyBodies.SmaCross(id));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal($"/v1/strategies/{id}", response.Headers.Location?.ToString());
        var body = await response.Read();
        Assert.Equal("stopped", (string?)body["status"]);
        Assert.Equal("sma_cross", (string?)body["kind"]);
        Assert.Equal("SPY", (string?)body["symbols"]![0]);
        Assert.Equal(0m, (decimal)body["pnl"]!["total"]!);

        var read = await (await _http.Get($"/v1/strategies/{id}")).Read();
        Assert.Equal(body.ToJsonString(), read.ToJsonString());
    }

    [Fact]
    public async Task A_duplicate_id_is_409_and_the_original_is_unchanged()
    {
        var id = StrategyBodies.NewId();
        await Create(id);
        var second = StrategyBodies.SmaCross(id);
        second["name"] = "impostor";

        var response = await _http.PostJson("/v1/strategies", second);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("SMA cross", (string?)(await (await _http.Get($"/v1/strategies/{id}")).Read())["name"]);
    }

    [Fact]
    public async Task Listing_pages_in_creation_order_with_the_total()
    {
        var ids = Enumerable.Range(0, 3).Select(_ => StrategyBodies.NewId("l")).ToArray();
        foreach (var id in ids) await Create(id);

        var first = await (await _http.Get("/v1/strategies?page=1&per_page=500")).Read();
        var all = first["items"]!.AsArray().Select(i => (string)i!["id"]!).ToList();
        var total = (int)first["total"]!;
        Assert.Equal(all.Count, total);
        Assert.Equal(ids, all.Where(ids.Contains));

        var paged = await (await _http.Get($"/v1/strategies?page=2&per_page=1")).Read();
        Assert.Equal(2, (int)paged["page"]!);
        Assert.Equal(1, (int)paged["perPage"]!);
        Assert.Equal(all[1], (string?)paged["items"]![0]!["id"]);

        var beyond = await (await _http.Get($"/v1/strategies?page={total + 1}&per_page=1")).Read();
        Assert.Empty(beyond["items"]!.AsArray());
        Assert.True((int)beyond["total"]! >= total);
    }

    [Theory]
    [InlineData("page=0")]
    [InlineData("per_page=0")]
    [InlineData("per_page=501")]
    [InlineData("page=abc")]
    [InlineData("page=99999999999")]
    public async Task Bad_paging_is_400(string query)
    {
        var response = await _http.Get($"/v1/strategies?{query}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Patch_changes_status_and_parameters()
    {
        var id = StrategyBodies.NewId();
        await Create(id);

        var response = await _http.PatchJson($"/v1/strategies/{id}", new { status = "running", parameters = new { fast = 3, slow = 50, quantity = 2 } });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var read = await (await _http.Get($"/v1/strategies/{id}")).Read();
        Assert.Equal("running", (string?)read["status"]);
        Assert.Equal(50m, (decimal)read["parameters"]!["slow"]!);
    }

    [Theory]
    [InlineData("""{"status":"halted"}""", "status")]
    [InlineData("""{"status":"paused"}""", "status")]
    [InlineData("""{"parameters":{"fast":30,"slow":20,"quantity":1}}""", "parameters.fast")]
    [InlineData("""{"parameters":{"fast":3}}""", "parameters.slow")]
    [InlineData("""{"risk":{"maxOrderQuantity":1}}""", "risk.maxNotional")]
    [InlineData("""{"name":"  "}""", "name")]
    [InlineData("""{"name":"ok","colour":"red"}""", "colour")]
    public async Task An_invalid_patch_is_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        var id = StrategyBodies.NewId();
        var before = await Create(id);

        var response = await _http.PatchAsync(new Uri($"/v1/strategies/{id}", UriKind.Relative), Json.Body(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await response.Read())["errors"]![field]);
        var after = await (await _http.Get($"/v1/strategies/{id}")).Read();
        Assert.Equal(before.ToJsonString(), after.ToJsonString());
    }

    [Fact]
    public async Task Unknown_ids_are_404_problems()
    {
        var get = await _http.Get("/v1/strategies/does-not-exist");
        var patch = await _http.PatchJson("/v1/strategies/does-not-exist", new { name = "x" });
        var garbage = await _http.Get($"/v1/strategies/{new string('x', 300)}");

        Assert.All(new[] { get, patch, garbage }, r =>
        {
            Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        });
        Assert.Equal(404, (int)(await get.Read())["status"]!);
    }

    public static TheoryData<string, string, HttpStatusCode> BadCreates => new()
    {
        { "malformed JSON", """{"id":"ID", "name": """, HttpStatusCode.BadRequest },
        { "not an object", """[1,2,3]""", HttpStatusCode.BadRequest },
        { "empty body", "", HttpStatusCode.BadRequest },
        { "wrong type for id", """{"id":5,"name":"n","kind":"manual","symbols":["SPY"],"parameters":{},"risk":{"maxOrderQuantity":1,"maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1}}""", HttpStatusCode.BadRequest },
        { "string number", """{"id":"ID","name":"n","kind":"manual","symbols":["SPY"],"parameters":{},"risk":{"maxOrderQuantity":"1","maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1}}""", HttpStatusCode.BadRequest },
        { "huge number", """{"id":"ID","name":"n","kind":"manual","symbols":["SPY"],"parameters":{},"risk":{"maxOrderQuantity":1e400,"maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1}}""", HttpStatusCode.BadRequest },
        { "unknown field", """{"id":"ID","name":"n","kind":"manual","symbols":["SPY"],"parameters":{},"risk":{"maxOrderQuantity":1,"maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1},"leverage":100}""", HttpStatusCode.BadRequest },
        { "unknown kind", """{"id":"ID","name":"n","kind":"martingale","symbols":["SPY"],"parameters":{},"risk":{"maxOrderQuantity":1,"maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1}}""", HttpStatusCode.BadRequest },
        { "missing risk", """{"id":"ID","name":"n","kind":"manual","symbols":["SPY"],"parameters":{}}""", HttpStatusCode.BadRequest },
        { "negative risk", """{"id":"ID","name":"n","kind":"manual","symbols":["SPY"],"parameters":{},"risk":{"maxOrderQuantity":-1,"maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1}}""", HttpStatusCode.BadRequest },
        { "parameter as text", """{"id":"ID","name":"n","kind":"breakout","symbols":["SPY"],"parameters":{"lookback":"20","quantity":1},"risk":{"maxOrderQuantity":1,"maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1}}""", HttpStatusCode.BadRequest },
        { "no symbols", """{"id":"ID","name":"n","kind":"manual","symbols":[],"parameters":{},"risk":{"maxOrderQuantity":1,"maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1}}""", HttpStatusCode.BadRequest },
        { "null symbol", """{"id":"ID","name":"n","kind":"manual","symbols":[null],"parameters":{},"risk":{"maxOrderQuantity":1,"maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1}}""", HttpStatusCode.BadRequest },
        { "very long name", $$$"""{"id":"ID","name":"{{{new string('n', 5000)}}}","kind":"manual","symbols":["SPY"],"parameters":{},"risk":{"maxOrderQuantity":1,"maxPositionQuantity":1,"maxNotional":1,"maxDailyLoss":1}}""", HttpStatusCode.BadRequest },
        { "oversized body", $$$"""{"id":"ID","name":"{{{new string('n', 2 * 1024 * 1024)}}}"}""", HttpStatusCode.RequestEntityTooLarge },
    };

    [Theory]
    [MemberData(nameof(BadCreates))]
    public async Task Bad_input_gets_its_4xx_as_problem_details_and_creates_nothing(string why, string template, HttpStatusCode expected)
    {
        var id = StrategyBodies.NewId("bad");
        var before = (int)(await (await _http.Get("/v1/strategies?per_page=1")).Read())["total"]!;

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/v1/strategies", UriKind.Relative))
        {
            Content = Json.Body(template.Replace("\"ID\"", $"\"{id}\"", StringComparison.Ordinal)),
        };
        // An oversized body waits for the server's answer before it is sent (Expect: 100-continue), as the fuzzing does:
        // otherwise the 413 and the connection's close can race the upload and the client sees a broken pipe instead.
        request.Headers.ExpectContinue = expected == HttpStatusCode.RequestEntityTooLarge;
        var response = await _http.SendAsync(request);

        Assert.True(expected == response.StatusCode, $"{why}: expected {expected}, got {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Read();
        Assert.Equal((int)expected, (int)problem["status"]!);
        Assert.NotNull(problem["traceId"]);
        Assert.Equal(HttpStatusCode.NotFound, (await _http.Get($"/v1/strategies/{id}")).StatusCode);
        Assert.Equal(before, (int)(await (await _http.Get("/v1/strategies?per_page=1")).Read())["total"]!);
    }

    [Fact]
    public async Task Field_errors_name_every_problem_at_once()
    {
        var response = await _http.PostRaw("/v1/strategies", """{"id":"bad id!","name":"n","kind":"sma_cross","symbols":["SPY","SPY"],"parameters":{"fast":30,"slow":20},"risk":{"maxOrderQuantity":1,"maxPositionQuantity":1,"maxNotional":0,"maxDailyLoss":1}}""");

        var errors = (await response.Read())["errors"]!.AsObject().Select(e => e.Key).Order().ToArray();
        Assert.Equal(["id", "parameters.fast", "parameters.quantity", "risk.maxNotional", "symbols[1]"], errors);
    }

    [Fact]
    public async Task A_body_that_is_not_json_is_415()
    {
        var response = await _http.PostAsync(new Uri("/v1/strategies", UriKind.Relative), new StringContent("id=1", System.Text.Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
