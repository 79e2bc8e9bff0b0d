using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Workspaces;

/// <summary><c>/v1/workspaces</c> over HTTP on real Postgres: CRUD, owner isolation, admin access, limits, validation, versions.</summary>
[Collection(WorkspaceApiCollection.Name)]
public sealed class WorkspaceApiTests(WorkspaceApiFactory factory)
{
    private static object Layout(params string[] symbols) => new
    {
        name = "Main",
        document = new { layout = new[] { new { widget = "chart", x = 0, y = 0 } }, watched = symbols },
    };

    private static async Task<(string Id, string Location, string ETag)> Created(HttpClient client, object body)
    {
        var response = await client.PostJson("/v1/workspaces", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Read();
        return ((string)created["id"]!, response.Headers.Location!.ToString(), response.Headers.ETag!.Tag);
    }

    private static async Task AssertProblem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal((int)status, (int?)(await response.Read())["status"]);
    }

    private static Task<HttpResponseMessage> Put(HttpClient client, string id, object body, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, new Uri($"/v1/workspaces/{id}", UriKind.Relative)) { Content = Json.Body(body) };
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }

    private static Task<HttpResponseMessage> Delete(HttpClient client, string id, string? ifMatch = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Delete, new Uri($"/v1/workspaces/{id}", UriKind.Relative));
        if (ifMatch is not null) request.Headers.TryAddWithoutValidation("If-Match", ifMatch);
        return client.SendAsync(request);
    }

    [Fact]
    public async Task A_workspace_is_created_read_listed_replaced_and_deleted_by_its_owner()
    {
        var user = await factory.NewUser();
        var (id, location, etag) = await Created(user, Layout("SPY", "QQQ"));
        Assert.Equal($"/v1/workspaces/{id}", location);
        Assert.Equal("\"1\"", etag);

        var read = await user.Get(location);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal("\"1\"", read.Headers.ETag!.Tag);
        var workspace = await read.Read();
        Assert.Equal("Main", (string?)workspace["name"]);
        Assert.Equal(1, (long?)workspace["version"]);
        Assert.Equal("SPY,QQQ", string.Join(",", workspace["document"]!["watched"]!.AsArray().Select(s => (string?)s)));
        Assert.Equal("chart", (string?)workspace["document"]!["layout"]![0]!["widget"]);

        var list = await (await user.Get("/v1/workspaces")).Read();
        Assert.Equal(1, (long?)list["total"]);
        Assert.Equal(id, (string?)list["items"]![0]!["id"]);
        Assert.Null(list["items"]![0]!["document"]);

        var replaced = await Put(user, id, new { name = "Scalping", document = new { watched = new[] { "BTCUSD" } } });
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.Equal("\"2\"", replaced.Headers.ETag!.Tag);
        var after = await (await user.Get(location)).Read();
        Assert.Equal("Scalping", (string?)after["name"]);
        Assert.Null(after["document"]!["layout"]); // replaced, not merged
        Assert.Equal("BTCUSD", (string?)after["document"]!["watched"]![0]);

        Assert.Equal(HttpStatusCode.NoContent, (await Delete(user, id)).StatusCode);
        await AssertProblem(await user.Get(location), HttpStatusCode.NotFound);
        await AssertProblem(await Delete(user, id), HttpStatusCode.NotFound);
        Assert.Equal(0, (long?)(await (await user.Get("/v1/workspaces")).Read())["total"]);
    }

    [Fact]
    public async Task Another_users_workspace_is_not_found_for_reading_changing_or_deleting_and_not_listed()
    {
        var (owner, other) = (await factory.NewUser("trader"), await factory.NewUser("trader"));
        var (id, location, _) = await Created(owner, Layout("SPY"));

        await AssertProblem(await other.Get(location), HttpStatusCode.NotFound);
        await AssertProblem(await Put(other, id, Layout("HACK")), HttpStatusCode.NotFound);
        await AssertProblem(await Delete(other, id), HttpStatusCode.NotFound);
        Assert.Equal(0, (long?)(await (await other.Get("/v1/workspaces")).Read())["total"]);

        var unchanged = await (await owner.Get(location)).Read();
        Assert.Equal(1, (long?)unchanged["version"]);
        Assert.Equal("SPY", (string?)unchanged["document"]!["watched"]![0]);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().Get("/v1/workspaces")).StatusCode);
    }

    [Fact]
    public async Task An_admin_reads_and_changes_any_users_workspace()
    {
        var owner = await factory.NewUser();
        var (id, location, _) = await Created(owner, Layout("SPY"));
        var admin = await factory.Admin();

        var read = await (await admin.Get(location)).Read();
        Assert.NotEqual(EmbeddedApiFactory.AdminUsername, (string?)read["owner"]);
        Assert.Equal(HttpStatusCode.OK, (await Put(admin, id, new { name = "Fixed by admin", document = new { watched = Array.Empty<string>() } })).StatusCode);
        var changed = await (await owner.Get(location)).Read();
        Assert.Equal("Fixed by admin", (string?)changed["name"]);
        Assert.Equal((string?)read["owner"], (string?)changed["owner"]); // still the user's
        Assert.Equal(HttpStatusCode.NoContent, (await Delete(admin, id)).StatusCode);
        await AssertProblem(await owner.Get(location), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_duplicate_name_is_a_conflict_ignoring_case_on_create_and_on_rename()
    {
        var user = await factory.NewUser();
        await Created(user, new { name = "Main", document = new { } });
        await AssertProblem(await user.PostJson("/v1/workspaces", new { name = "mAIN", document = new { } }), HttpStatusCode.Conflict);

        var (second, _, _) = await Created(user, new { name = "Second", document = new { } });
        await AssertProblem(await Put(user, second, new { name = "MAIN", document = new { } }), HttpStatusCode.Conflict);
        Assert.Equal("Second", (string?)(await (await user.Get($"/v1/workspaces/{second}")).Read())["name"]);
        Assert.Equal(HttpStatusCode.Created, (await (await factory.NewUser()).PostJson("/v1/workspaces", new { name = "Main", document = new { } })).StatusCode);
    }

    [Fact]
    public async Task Limits_refuse_an_oversized_document_a_long_name_and_one_workspace_too_many()
    {
        var user = await factory.NewUser();
        var big = new { name = "Big", document = new { blob = new string('x', WorkspaceApiFactory.MaxDocumentBytes) } };
        await AssertProblem(await user.PostJson("/v1/workspaces", big), HttpStatusCode.RequestEntityTooLarge);
        var (id, location, _) = await Created(user, new { name = "Fits", document = new { blob = new string('x', WorkspaceApiFactory.MaxDocumentBytes - 20) } });
        await AssertProblem(await Put(user, id, big), HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal(1, (long?)(await (await user.Get(location)).Read())["version"]);

        var longName = await user.PostJson("/v1/workspaces", new { name = new string('n', WorkspaceApiFactory.MaxNameLength + 1), document = new { } });
        await AssertProblem(longName, HttpStatusCode.BadRequest);
        Assert.NotNull((await longName.Read())["errors"]!["name"]);

        for (var i = 1; i < WorkspaceApiFactory.MaxPerUser; i++) await Created(user, new { name = $"W{i}", document = new { } });
        var tooMany = await user.PostJson("/v1/workspaces", new { name = "One more", document = new { } });
        await AssertProblem(tooMany, HttpStatusCode.Conflict);
        Assert.Contains("at most", (string?)(await tooMany.Read())["detail"], StringComparison.Ordinal);
        Assert.Equal(WorkspaceApiFactory.MaxPerUser, (long?)(await (await user.Get("/v1/workspaces")).Read())["total"]);
    }

    [Theory]
    [InlineData("{\"name\":\"x\",\"document\":{\"a\":1}")]            // truncated
    [InlineData("{\"name\":\"x\",\"document\":[1,2]}")]              // not an object
    [InlineData("{\"name\":\"x\",\"document\":\"layout\"}")]
    [InlineData("{\"name\":\"x\"}")]                                  // no document
    [InlineData("{\"name\":\"   \",\"document\":{}}")]                // blank name
    [InlineData("{\"name\":\"x\",\"document\":{},\"owner\":\"root\"}")] // unknown field
    [InlineData("not json")]
    public async Task A_malformed_or_invalid_body_is_a_400_problem_and_nothing_is_stored(string body)
    {
        var user = await factory.NewUser();
        await AssertProblem(await user.PostRaw("/v1/workspaces", body), HttpStatusCode.BadRequest);
        Assert.Equal(0, (long?)(await (await user.Get("/v1/workspaces")).Read())["total"]);
    }

    [Fact]
    public async Task If_match_with_a_stale_version_is_412_and_leaves_the_workspace_unchanged()
    {
        var user = await factory.NewUser();
        var (id, location, etag) = await Created(user, Layout("SPY"));

        var firstTab = await Put(user, id, new { name = "Tab one", document = new { watched = new[] { "A" } } }, ifMatch: etag);
        Assert.Equal(HttpStatusCode.OK, firstTab.StatusCode);
        var secondTab = await Put(user, id, new { name = "Tab two", document = new { watched = new[] { "B" } } }, ifMatch: etag);
        await AssertProblem(secondTab, HttpStatusCode.PreconditionFailed);
        await AssertProblem(await Delete(user, id, ifMatch: etag), HttpStatusCode.PreconditionFailed);

        var stored = await (await user.Get(location)).Read();
        Assert.Equal("Tab one", (string?)stored["name"]);
        Assert.Equal(2, (long?)stored["version"]);
        Assert.Equal(HttpStatusCode.OK, (await Put(user, id, Layout("C"), ifMatch: "*")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await Delete(user, id, ifMatch: "\"3\"")).StatusCode);
    }
}

/// <summary>Workspaces are in Postgres: a new host over the same database serves them.</summary>
public sealed class WorkspaceRestartTests
{
    [Fact]
    public async Task A_workspace_survives_a_restart_of_the_host()
    {
        await using var database = await TestPostgres.CreateDatabase("workspacerestart");
        await TradingPlatform.Storage.DatabaseMigrator.MigrateAsync(database.ConnectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeSpan.FromSeconds(30));
        var username = "u" + Guid.NewGuid().ToString("N")[..12];

        string id;
        var first = new WorkspaceApiFactory(database);
        await ((IAsyncLifetime)first).InitializeAsync();
        try
        {
            var user = await first.NewUser(username: username);
            var response = await user.PostJson("/v1/workspaces", new { name = "Kept", document = new { watched = new[] { "SPY" }, theme = "dark" } });
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            id = (string)(await response.Read())["id"]!;
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
        }

        var second = new WorkspaceApiFactory(database);
        await ((IAsyncLifetime)second).InitializeAsync();
        try
        {
            var user = await second.NewUser(username: username); // users are in memory in embedded mode: the same name again
            var kept = await (await user.Get($"/v1/workspaces/{id}")).Read();
            Assert.Equal("Kept", (string?)kept["name"]);
            Assert.Equal("dark", (string?)kept["document"]!["theme"]);
            Assert.Equal(1, (long?)(await (await user.Get("/v1/workspaces")).Read())["total"]);
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }
}
