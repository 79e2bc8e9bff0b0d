using System.Net;
using System.Net.Http.Headers;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Identity;

/// <summary>One silo and two API nodes on Postgres: budgets and revocations hold across nodes.</summary>
public sealed class CrossNodeFixture : IAsyncLifetime
{
    public const int DashboardPermits = 5;
    public const int WindowSeconds = 4;
    private readonly string _clusterId = $"idn-{Guid.NewGuid():N}"[..16];
    private TestDatabase _database = null!;

    public HostProcess Silo { get; private set; } = null!;
    public HostProcess Api1 { get; private set; } = null!;
    public HostProcess Api2 { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabase("idn");
        var limits = new Dictionary<string, string>
        {
            ["RateLimits__Dashboard__PermitsPerMinute"] = DashboardPermits.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RateLimits__Admin__PermitsPerMinute"] = "1000",
            ["RateLimits__WindowSeconds"] = WindowSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        Silo = HostProcess.StartSilo("silo", _database.ConnectionString, _clusterId, FreePort.Next(), FreePort.Next());
        Api1 = HostProcess.StartApi("api1", _database.ConnectionString, _clusterId, limits);
        Api2 = HostProcess.StartApi("api2", _database.ConnectionString, _clusterId, limits);
        await Task.WhenAll(Silo.WaitReady(TimeSpan.FromSeconds(60)), Api1.WaitReady(TimeSpan.FromSeconds(60)), Api2.WaitReady(TimeSpan.FromSeconds(60)));
    }

    public async Task DisposeAsync()
    {
        await Api1.DisposeAsync();
        await Api2.DisposeAsync();
        await Silo.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>A new viewer, logged in through node 1; returns clients for both nodes with the same token.</summary>
    public async Task<(HttpClient Node1, HttpClient Node2)> NewViewer()
    {
        var username = $"v{Guid.NewGuid():N}"[..14];
        using var admin = await Api1.AdminClient();
        var created = await admin.PostJson("/v1/users", new { username, password = EmbeddedApiFactory.UserPassword, role = "viewer" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var anonymous = new HttpClient { BaseAddress = Api1.BaseAddress };
        var login = await (await anonymous.PostJson("/v1/auth/login", new { username, password = EmbeddedApiFactory.UserPassword })).Read();
        var token = new AuthenticationHeaderValue("Bearer", (string)login["accessToken"]!);
        var node1 = new HttpClient { BaseAddress = Api1.BaseAddress };
        var node2 = new HttpClient { BaseAddress = Api2.BaseAddress };
        node1.DefaultRequestHeaders.Authorization = node2.DefaultRequestHeaders.Authorization = token;
        return (node1, node2);
    }
}

public sealed class CrossNodeIdentityTests(CrossNodeFixture cluster) : IClassFixture<CrossNodeFixture>
{
    private static int Header(HttpResponseMessage response, string name) =>
        int.Parse(response.Headers.GetValues(name).Single(), System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task Two_api_nodes_share_one_budget_with_correct_headers_and_it_resets()
    {
        var (node1, node2) = await cluster.NewViewer();

        for (var i = 0; i < CrossNodeFixture.DashboardPermits; i++)
        {
            var response = await (i % 2 == 0 ? node1 : node2).Get("/v1/strategies");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(CrossNodeFixture.DashboardPermits, Header(response, "X-RateLimit-Limit"));
            Assert.Equal(CrossNodeFixture.DashboardPermits - 1 - i, Header(response, "X-RateLimit-Remaining"));
            Assert.InRange(Header(response, "X-RateLimit-Reset"), 1, CrossNodeFixture.WindowSeconds);
        }

        var refused = await node2.Get("/v1/strategies");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(0, Header(refused, "X-RateLimit-Remaining"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await node1.Get("/v1/strategies")).StatusCode);

        var afterReset = await Eventually.Get(() => node1.Get("/v1/strategies"), r => r.StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(CrossNodeFixture.WindowSeconds * 3), "the budget resets after its window");
        Assert.Equal(CrossNodeFixture.DashboardPermits - 1, Header(afterReset, "X-RateLimit-Remaining"));
    }

    [Fact]
    public async Task Logging_out_on_one_node_revokes_the_token_on_the_other_at_once()
    {
        var (node1, node2) = await cluster.NewViewer();
        Assert.Equal(HttpStatusCode.OK, (await node2.Get("/v1/auth/me")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await node1.PostAsync(new Uri("/v1/auth/logout", UriKind.Relative), null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, (await node2.Get("/v1/auth/me")).StatusCode);
    }
}

public sealed class SecretsTests
{
    [Fact]
    public async Task Outside_development_the_api_refuses_to_start_without_a_signing_key()
    {
        await using var api = HostProcess.StartApi("api-no-key", "", "nokey", new()
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Auth__SigningKey"] = "",
            ["Orleans__SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

        var exitCode = await api.WaitForExit(TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Auth:SigningKey", api.Output(), StringComparison.Ordinal);
    }
}
