using System.Net;
using System.Text;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Identity;

[Collection(EmbeddedApiCollection.Name)]
public sealed class AuthTests(EmbeddedApiFactory factory)
{
    private static string NewUsername() => $"u{Guid.NewGuid():N}"[..16];

    private async Task<(string Username, Tokens Tokens)> NewUserLoggedIn(string role = "trader")
    {
        var username = NewUsername();
        await factory.CreateUser(username, role);
        return (username, await factory.Login(username, EmbeddedApiFactory.UserPassword));
    }

    private async Task<HttpStatusCode> Me(string accessToken) => (await factory.WithToken(accessToken).Get("/v1/auth/me")).StatusCode;

    private static string Forge(string key, DateTime expires, string role = "admin", string subject = "root", int version = 1) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = "tradingplatform",
            Audience = "tradingplatform-api",
            IssuedAt = expires.AddMinutes(-15),
            NotBefore = expires.AddMinutes(-15),
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(key)), SecurityAlgorithms.HmacSha256),
            Claims = new Dictionary<string, object>
            {
                ["sub"] = subject, ["name"] = subject, ["role"] = role, ["jti"] = Guid.NewGuid().ToString("N"), ["ver"] = version, ["fid"] = Guid.NewGuid().ToString("N"),
            },
        });

    [Fact]
    public async Task Login_returns_a_bearer_pair_and_me_answers_who_the_caller_is()
    {
        var (username, tokens) = await NewUserLoggedIn("trader");

        var me = await (await factory.WithToken(tokens.Access).Get("/v1/auth/me")).Read();

        Assert.Equal(username, (string?)me["id"]);
        Assert.Equal(username, (string?)me["username"]);
        Assert.Equal("trader", (string?)me["role"]);
        var login = await (await factory.CreateClient().PostJson("/v1/auth/login", new { username, password = EmbeddedApiFactory.UserPassword })).Read();
        Assert.Equal("Bearer", (string?)login["tokenType"]);
        Assert.Equal(15 * 60, (int)login["expiresIn"]!);
    }

    [Fact]
    public async Task A_wrong_password_and_an_unknown_user_fail_alike()
    {
        var (username, _) = await NewUserLoggedIn();
        var http = factory.CreateClient();

        var wrong = await http.PostJson("/v1/auth/login", new { username, password = "not-the-password" });
        var unknown = await http.PostJson("/v1/auth/login", new { username = NewUsername(), password = "not-the-password" });

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
        var a = await wrong.Read();
        var b = await unknown.Read();
        Assert.Equal((string?)a["detail"], (string?)b["detail"]);
        Assert.Equal((string?)a["title"], (string?)b["title"]);
    }

    [Fact]
    public async Task Tokens_that_are_expired_foreign_unsigned_or_edited_are_401()
    {
        var (_, tokens) = await NewUserLoggedIn("viewer");
        var expired = Forge(EmbeddedApiFactory.SigningKey, DateTime.UtcNow.AddMinutes(-5));
        var foreign = Forge("another-key-entirely-0123456789abcdefghijkl", DateTime.UtcNow.AddMinutes(10));
        var header = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"alg":"none","typ":"JWT"}""")).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var parts = tokens.Access.Split('.');
        var unsigned = $"{header}.{parts[1]}.";
        var payload = Encoding.UTF8.GetString(Base64UrlEncoder.DecodeBytes(parts[1])).Replace("\"role\":\"viewer\"", "\"role\":\"admin\"", StringComparison.Ordinal);
        var edited = $"{parts[0]}.{Base64UrlEncoder.Encode(payload)}.{parts[2]}";
        Assert.Contains("\"role\":\"admin\"", payload, StringComparison.Ordinal);

        foreach (var token in new[] { expired, foreign, unsigned, edited, "not-a-jwt" })
        {
            var response = await factory.WithToken(token).Get("/v1/strategies");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }
        Assert.Equal(HttpStatusCode.OK, await Me(tokens.Access));
    }

    [Fact]
    public async Task Logout_revokes_the_access_token_and_its_refresh_token_at_once()
    {
        var (_, tokens) = await NewUserLoggedIn();
        var http = factory.WithToken(tokens.Access);

        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync(new Uri("/v1/auth/logout", UriKind.Relative), null)).StatusCode);

        Assert.Equal(HttpStatusCode.Unauthorized, await Me(tokens.Access));
        var refresh = await factory.CreateClient().PostJson("/v1/auth/refresh", new { refreshToken = tokens.Refresh });
        Assert.Equal(HttpStatusCode.Unauthorized, refresh.StatusCode);
    }

    [Fact]
    public async Task Refresh_rotates_and_a_reused_refresh_token_revokes_the_whole_family()
    {
        var (_, first) = await NewUserLoggedIn();
        var anon = factory.CreateClient();

        var rotated = await (await anon.PostJson("/v1/auth/refresh", new { refreshToken = first.Refresh })).Read();
        var second = new Tokens((string)rotated["accessToken"]!, (string)rotated["refreshToken"]!);
        Assert.NotEqual(first.Refresh, second.Refresh);
        Assert.Equal(HttpStatusCode.OK, await Me(second.Access));

        var reuse = await anon.PostJson("/v1/auth/refresh", new { refreshToken = first.Refresh });

        Assert.Equal(HttpStatusCode.Unauthorized, reuse.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anon.PostJson("/v1/auth/refresh", new { refreshToken = second.Refresh })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(second.Access));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(first.Access));
    }

    [Theory]
    [InlineData("")]
    [InlineData("garbage")]
    [InlineData("rt1.cm9vdA.00000000000000000000000000000000.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task A_malformed_or_unknown_refresh_token_is_401(string token)
    {
        var response = await factory.CreateClient().PostJson("/v1/auth/refresh", new { refreshToken = token });
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Changing_a_role_or_disabling_a_user_revokes_every_token_already_issued()
    {
        var (username, tokens) = await NewUserLoggedIn("trader");
        var second = await factory.Login(username, EmbeddedApiFactory.UserPassword);
        var admin = await factory.Admin();

        var patched = await admin.PatchJson($"/v1/users/{username}", new { role = "viewer" });

        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(tokens.Access));
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(second.Access));
        var fresh = await factory.Login(username, EmbeddedApiFactory.UserPassword);
        Assert.Equal("viewer", (string?)(await (await factory.WithToken(fresh.Access).Get("/v1/auth/me")).Read())["role"]);

        Assert.Equal(HttpStatusCode.OK, (await admin.PatchJson($"/v1/users/{username}", new { disabled = true })).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await Me(fresh.Access));
        var login = await factory.CreateClient().PostJson("/v1/auth/login", new { username, password = EmbeddedApiFactory.UserPassword });
        Assert.Equal(HttpStatusCode.Unauthorized, login.StatusCode);
    }

    [Fact]
    public async Task Five_failed_logins_in_a_minute_lock_the_username_whatever_the_password()
    {
        var (username, _) = await NewUserLoggedIn();
        var ghost = NewUsername();
        var http = factory.CreateClient();

        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostJson("/v1/auth/login", new { username, password = $"wrong-{i}-password" })).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.PostJson("/v1/auth/login", new { username = ghost, password = $"wrong-{i}-password" })).StatusCode);
        }

        var locked = await http.PostJson("/v1/auth/login", new { username, password = EmbeddedApiFactory.UserPassword });
        var ghostLocked = await http.PostJson("/v1/auth/login", new { username = ghost, password = "whatever-password" });
        Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, ghostLocked.StatusCode); // unknown names lock too: nothing to learn
        Assert.True(locked.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("application/problem+json", locked.Content.Headers.ContentType?.MediaType);
        var other = await NewUserLoggedIn(); // another username is unaffected
        Assert.Equal(HttpStatusCode.OK, await Me(other.Tokens.Access));
    }

    [Fact]
    public async Task Login_validates_its_body()
    {
        var http = factory.CreateClient();
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostJson("/v1/auth/login", new { username = "x" })).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await http.PostRaw("/v1/auth/login", "{")).StatusCode);
    }

    [Fact]
    public async Task Admins_cannot_lock_themselves_out()
    {
        var admin = await factory.Admin();
        var response = await admin.PatchJson($"/v1/users/{EmbeddedApiFactory.AdminUsername}", new { role = "viewer" });
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Fact]
    public async Task Users_are_created_listed_and_validated_by_admins()
    {
        var admin = await factory.Admin();
        var username = NewUsername();

        var created = await admin.PostJson("/v1/users", new { username = username.ToUpperInvariant(), password = EmbeddedApiFactory.UserPassword, role = "viewer" });
        var duplicate = await admin.PostJson("/v1/users", new { username, password = EmbeddedApiFactory.UserPassword, role = "viewer" });
        var invalid = await admin.PostJson("/v1/users", new { username = "x", password = "short", role = "god" });

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = await created.Read();
        Assert.Equal(username, (string?)body["id"]);
        Assert.Null(body["passwordHash"]);
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(["password", "role", "username"], (await invalid.Read())["errors"]!.AsObject().Select(e => e.Key).Order());
        var list = await (await admin.Get("/v1/users?per_page=500")).Read();
        Assert.Contains(list["items"]!.AsArray(), u => (string?)u!["id"] == username);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PatchJson("/v1/users/nobody-here", new { disabled = true })).StatusCode);
    }
}
