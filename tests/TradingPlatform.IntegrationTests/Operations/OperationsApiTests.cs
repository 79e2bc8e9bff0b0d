using System.Net;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Operations;

[Collection(EmbeddedApiCollection.Name)]
public sealed class OperationsApiTests(EmbeddedApiFactory factory) : IAsyncLifetime
{
    private HttpClient _http = null!;

    public async Task InitializeAsync() => _http = await factory.Admin();

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Liveness_reports_healthy_and_the_version()
    {
        var body = await (await _http.Get("/health")).Read();
        Assert.Equal("healthy", (string?)body["status"]);
        Assert.False(string.IsNullOrEmpty((string?)body["version"]));
    }

    [Fact]
    public async Task Readiness_checks_the_cluster()
    {
        var response = await _http.Get("/health/ready");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Read();
        Assert.Equal("healthy", (string?)body["checks"]!["cluster"]!["status"]);
        Assert.Null(body["checks"]!["postgres"]); // embedded mode has no database
    }

    [Fact]
    public async Task Metrics_expose_http_orleans_and_process_series()
    {
        await _http.Get("/v1/strategies");
        var text = await (await _http.Get("/metrics")).Content.ReadAsStringAsync();
        Assert.Contains("http_request_duration_seconds", text, StringComparison.Ordinal);
        Assert.Contains("microsoft_orleans", text, StringComparison.Ordinal);
        Assert.Contains("process_cpu_seconds_total", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_strategy_endpoints_and_docs_are_served()
    {
        var document = await (await _http.Get("/openapi/v1.json")).Read();
        Assert.NotNull(document["paths"]!["/v1/strategies"]!["post"]);
        Assert.NotNull(document["paths"]!["/v1/strategies/{id}"]!["patch"]);
        Assert.Equal(HttpStatusCode.OK, (await _http.Get("/docs/")).StatusCode);
    }

    [Fact]
    public async Task System_status_reports_embedded_mode_and_the_silo()
    {
        var body = await (await _http.Get("/v1/system/status")).Read();
        Assert.Equal("embedded", (string?)body["mode"]);
        Assert.Contains(body["silos"]!.AsArray(), s => (string?)s!["status"] == "active");
        Assert.True((double)body["uptimeSeconds"]! >= 0);
    }

    [Fact]
    public async Task Every_response_carries_a_request_id_echoing_the_clients()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/strategies/nope");
        request.Headers.Add("X-Request-Id", "client-chosen-42");
        var echoed = await _http.SendAsync(request);
        var generated = await _http.Get("/health");
        var unknownRoute = await _http.Get("/no/such/route");

        Assert.Equal("client-chosen-42", echoed.Headers.GetValues("X-Request-Id").Single());
        Assert.Equal("client-chosen-42", (string?)(await echoed.Read())["requestId"]);
        Assert.False(string.IsNullOrEmpty(generated.Headers.GetValues("X-Request-Id").Single()));
        Assert.Equal(HttpStatusCode.NotFound, unknownRoute.StatusCode);
        Assert.Equal("application/problem+json", unknownRoute.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(unknownRoute.Headers.GetValues("X-Request-Id").Single());
    }
}
