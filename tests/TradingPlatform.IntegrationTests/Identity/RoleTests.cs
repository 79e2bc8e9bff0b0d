using System.Net;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TradingPlatform.Api.Identity;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Identity;

[Collection(EmbeddedApiCollection.Name)]
public sealed class RoleTests(EmbeddedApiFactory factory)
{
    /// <summary>The contract's role table; an endpoint missing here fails the test, so no endpoint goes unreviewed.</summary>
    private static readonly Dictionary<string, string?> Contract = new()
    {
        ["POST /v1/auth/login"] = null,
        ["POST /v1/auth/refresh"] = null,
        ["POST /v1/auth/logout"] = "viewer",
        ["GET /v1/auth/me"] = "viewer",
        ["GET /v1/users/"] = "admin",
        ["GET /v1/users/{id}"] = "admin",
        ["POST /v1/users/"] = "admin",
        ["PATCH /v1/users/{id}"] = "admin",
        ["GET /v1/strategies/"] = "viewer",
        ["GET /v1/strategies/{id}"] = "viewer",
        ["GET /v1/strategies/{id}/diagnostics"] = "viewer",
        ["POST /v1/strategies/"] = "admin",
        ["PATCH /v1/strategies/{id}"] = "admin",
        ["GET /v1/system/status"] = "viewer",
        ["POST /v1/market/ticks"] = "trader",
        ["GET /v1/market/{symbol}"] = "viewer",
        ["GET /v1/candles/"] = "viewer",
        ["POST /v1/candles/import"] = "admin",
        ["POST /v1/orders/"] = "trader",
        ["GET /v1/orders/"] = "viewer",
        ["GET /v1/orders/{orderId}"] = "viewer",
        ["DELETE /v1/orders/{orderId}"] = "trader",
        ["GET /v1/fills/"] = "viewer",
        ["POST /v1/fills/"] = "trader",
        ["GET /v1/positions/"] = "viewer",
        ["GET /v1/positions/{strategyId}/{symbol}"] = "viewer",
        ["GET /v1/metrics/summary"] = "viewer",
        ["GET /v1/metrics/daily"] = "viewer",
        ["GET /v1/metrics/risk"] = "viewer",
        ["GET /v1/controls/kill-switch"] = "viewer",
        ["POST /v1/controls/kill-switch"] = "admin",
        ["GET /v1/alerts/"] = "viewer",
        ["POST /v1/alerts/{id}/ack"] = "trader",
        ["GET /v1/alerts/deliveries"] = "admin",
        ["POST /v1/alerts/deliveries/{id}/retry"] = "admin",
        ["GET /v1/workspaces/"] = "viewer",
        ["POST /v1/workspaces/"] = "viewer",
        ["GET /v1/workspaces/{id}"] = "viewer",
        ["PUT /v1/workspaces/{id}"] = "viewer",
        ["DELETE /v1/workspaces/{id}"] = "viewer",
        ["GET /v1/audit"] = "admin",
        ["* /v1/ws"] = "viewer",
        ["POST /v1/runs/"] = "trader",
        ["GET /v1/runs/"] = "viewer",
        ["GET /v1/runs/{id}"] = "viewer",
        ["GET /v1/runs/{id}/results"] = "viewer",
        ["POST /v1/runs/{id}/cancel"] = "trader",
    };

    private IEnumerable<(string Key, RouteEndpoint Endpoint)> V1Endpoints() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1", StringComparison.Ordinal) == true)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["*"]).Select(m => ($"{m} {e.RoutePattern.RawText}", e)));

    [Fact]
    public void Every_v1_endpoint_requires_exactly_the_role_the_contract_names()
    {
        var actual = V1Endpoints().ToDictionary(e => e.Key, e => Policies.RequiredRole(e.Endpoint.Metadata));
        Assert.Equal(Contract.OrderBy(e => e.Key), actual.OrderBy(e => e.Key));
    }

    [Fact]
    public async Task Without_a_token_every_protected_endpoint_is_401_and_open_ones_stay_open()
    {
        var anonymous = factory.CreateClient();
        foreach (var (key, _) in V1Endpoints().Where(e => Contract[e.Key] is not null))
        {
            var (method, path) = (key.Split(' ')[0], key.Split(' ')[1].Replace("{id}", "x", StringComparison.Ordinal));
            using var request = new HttpRequestMessage(new HttpMethod(method), path) { Content = method is "GET" ? null : Json.Body("{}") };
            var response = await anonymous.SendAsync(request);
            Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{key}: {response.StatusCode}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        foreach (var open in new[] { "/health", "/health/ready", "/metrics", "/openapi/v1.json" })
            Assert.Equal(HttpStatusCode.OK, (await anonymous.Get(open)).StatusCode);
    }

    [Fact]
    public async Task A_viewer_may_read_but_gets_403_on_admin_changes()
    {
        var viewer = await factory.As("viewer");

        Assert.Equal(HttpStatusCode.OK, (await viewer.Get("/v1/strategies")).StatusCode);
        var forbidden = new[]
        {
            await viewer.PostJson("/v1/strategies", StrategyBodies.SmaCross(StrategyBodies.NewId())),
            await viewer.PatchJson("/v1/strategies/x", new { name = "x" }),
            await viewer.Get("/v1/users"),
            await viewer.PostJson("/v1/users", new { username = "someone", password = "long-enough-pw", role = "admin" }),
        };
        Assert.All(forbidden, r =>
        {
            Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
            Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        });
    }

    [Fact]
    public async Task A_trader_is_not_an_admin()
    {
        var trader = await factory.As("trader");
        Assert.Equal(HttpStatusCode.Forbidden, (await trader.PostJson("/v1/strategies", StrategyBodies.SmaCross(StrategyBodies.NewId()))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await trader.Get("/v1/users")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_shows_the_bearer_scheme_and_each_operations_role()
    {
        var document = await (await factory.CreateClient().Get("/openapi/v1.json")).Read();

        Assert.Equal("bearer", (string?)document["components"]!["securitySchemes"]!["Bearer"]!["scheme"]);
        Assert.Equal("admin", (string?)document["paths"]!["/v1/strategies"]!["post"]!["x-required-role"]);
        Assert.Equal("viewer", (string?)document["paths"]!["/v1/strategies"]!["get"]!["x-required-role"]);
        Assert.Null(document["paths"]!["/v1/auth/login"]!["post"]!["x-required-role"]);
        Assert.NotNull(document["paths"]!["/v1/users"]!["post"]!["security"]);
    }
}
