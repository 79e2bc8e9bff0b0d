using System.Collections.Concurrent;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// The API in its embedded default (co-hosted silo, in memory) on a real Kestrel server over
/// loopback, with its own free silo and gateway ports so several can run at once.
/// </summary>
public class EmbeddedApiFactory : WebApplicationFactory<Program>
{
    public const string SigningKey = "integration-tests-signing-key-0123456789abcdef";
    public const string AdminUsername = "root";
    public const string AdminPassword = "root-password-123";
    public const string UserPassword = "user-password-123";

    private readonly ConcurrentDictionary<string, Lazy<Task<HttpClient>>> _clients = new();

    public EmbeddedApiFactory()
    {
        UseKestrel(0);
    }

    /// <summary>Settings a test class may override (rate limits, lockout).</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["RateLimits:Dashboard:PermitsPerMinute"] = "1000000",
        ["RateLimits:Admin:PermitsPerMinute"] = "1000000",
        ["RateLimits:Backtest:PermitsPerMinute"] = "1000000",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("ConnectionStrings:Postgres", "");
        builder.UseSetting("Auth:SigningKey", SigningKey);
        builder.UseSetting("Auth:BootstrapAdmin:Username", AdminUsername);
        builder.UseSetting("Auth:BootstrapAdmin:Password", AdminPassword);
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    /// <summary>A client logged in as the bootstrap admin (shared; do not log it out).</summary>
    public Task<HttpClient> Admin() => Shared("admin", async () => await LoginAs(AdminUsername, AdminPassword));

    /// <summary>A client logged in as a shared user with this role.</summary>
    public Task<HttpClient> As(string role) => role == "admin" ? Admin() : Shared(role, async () =>
    {
        var username = $"shared-{role}";
        await CreateUser(username, role);
        return await LoginAs(username, UserPassword);
    });

    /// <summary>Creates a user through the API as the admin (a conflict means it already exists).</summary>
    public async Task CreateUser(string username, string role, string password = UserPassword)
    {
        var admin = await Admin();
        var response = await admin.PostJson("/v1/users", new { username, password, role });
        if (response.StatusCode is not (System.Net.HttpStatusCode.Created or System.Net.HttpStatusCode.Conflict))
            throw new InvalidOperationException($"Creating {username} failed: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    public async Task<Tokens> Login(string username, string password)
    {
        var response = await CreateClient().PostJson("/v1/auth/login", new { username, password });
        response.EnsureSuccessStatusCode();
        var body = await response.Read();
        return new Tokens((string)body["accessToken"]!, (string)body["refreshToken"]!);
    }

    public async Task<HttpClient> LoginAs(string username, string password) => WithToken((await Login(username, password)).Access);

    public HttpClient WithToken(string accessToken)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    private Task<HttpClient> Shared(string key, Func<Task<HttpClient>> create) =>
        _clients.GetOrAdd(key, _ => new Lazy<Task<HttpClient>>(create)).Value;
}

public sealed record Tokens(string Access, string Refresh);

[CollectionDefinition(Name)]
public sealed class EmbeddedApiCollection : ICollectionFixture<EmbeddedApiFactory>
{
    public const string Name = "embedded-api";
}
