using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Testing;
using Xunit.Abstractions;

namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>
/// Fuzzing from the live OpenAPI document: every operation it lists gets generated bad input (malformed JSON, wrong
/// types, missing and unknown members, extreme numbers and strings, hostile path ids and query values, oversized
/// bodies, wrong content types, undeclared methods, low roles and bad tokens). The operations are read from the
/// document, never listed here, so a new endpoint is fuzzed as soon as it is mapped.
/// <para>
/// What must hold: no 5xx; every 4xx is <c>application/problem+json</c> whose <c>status</c> is the HTTP status, with a
/// <c>title</c>; every answer carries <c>X-Request-Id</c>; exact statuses where the contract fixes them (413, 415, 400,
/// 401, 403); no mutating operation accepts fuzz input (the exceptions are listed with their reason); and the
/// observable state is the same after the whole run as before it.
/// </para>
/// </summary>
[Collection(FuzzCollection.Name)]
public sealed class OpenApiFuzzTests(FuzzApiFactory factory, ITestOutputHelper output)
{
    /// <summary>The run's seed: the same seed sends the same requests. TRADING_FUZZ_SEED overrides it to explore.</summary>
    public const int DefaultSeed = 7004;

    /// <summary>
    /// Operations the document must list at least (it must not lose any): 37 when this test was written (36 under /v1
    /// plus /health); 47 after rollups, diagnostics, workspaces, alert deliveries and the delivery resend.
    /// </summary>
    public const int KnownOperations = 47;

    /// <summary>A bound on the run (the generator's output grows with the document): a few thousand requests, not an open-ended fuzz.</summary>
    public const int MaxRequests = 6_000;

    public const string Command = "dotnet test tests/TradingPlatform.IntegrationTests --filter \"FullyQualifiedName~Reliability.OpenApiFuzzTests\"";

    /// <summary>
    /// Mutating operations allowed to accept a fuzz input, by operationId, and why. Anything else that answers 2xx to a
    /// generated input fails the run: either its validation missed something or the generator made a valid request
    /// by accident, and both need a look.
    /// </summary>
    private static readonly Dictionary<string, string> MayAccept = new(StringComparer.Ordinal)
    {
        ["PostTicks"] = "seeded with a sandbox symbol in which a strategy holds a position, so hostile prices and times reach position marking; valid ticks move only that market, which the snapshot does not read",
        ["Logout"] = "takes no input: each case logs out a throwaway session of its own",
    };

    /// <summary>
    /// Valid values for query parameters of reads, by name (see <see cref="FuzzCaseGenerator"/>): the sample candles'
    /// symbol with a stored (1d, 1m) and an aggregated (5m, 4h) timeframe, so hostile from/to/limit reach the store.
    /// </summary>
    private static readonly Dictionary<string, string[]> ReadQueryHints = new(StringComparer.Ordinal)
    {
        ["symbol"] = ["SPY"],
        ["timeframe"] = ["1d", "1m", "5m", "4h"],
    };

    /// <summary>
    /// Body values that make a tick valid: the sandbox symbol, and a time after every real tick (an older tick is stale
    /// and ignored, so a hostile price at the seed's 2024 time would never reach the position).
    /// </summary>
    private static Dictionary<string, string> SandboxHints(string sandbox) => new(StringComparer.Ordinal)
    {
        ["symbol"] = sandbox,
        ["timestamp"] = "2999-01-01T00:00:00Z",
    };

    /// <summary>Operations that end the caller's session: fuzzed with a fresh login per request, never with the admin's token.</summary>
    private static bool EndsSession(ApiOperation operation) => operation.Path.EndsWith("/logout", StringComparison.Ordinal);

    private Uri? _server;

    [Fact]
    public async Task Every_operation_in_the_OpenAPI_document_answers_bad_input_with_problem_details_and_changes_nothing()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("TRADING_FUZZ_SEED"), out var fromEnvironment) ? fromEnvironment : DefaultSeed;
        var anonymous = Client(null);

        // 1. The operations, from the live document.
        var documentResponse = await anonymous.Get("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, documentResponse.StatusCode);
        var operations = OpenApiDocumentReader.Operations(await documentResponse.Read());
        Assert.True(operations.Count >= KnownOperations, $"the document lists {operations.Count} operations, fewer than the {KnownOperations} known");
        var documented = operations.Select(o => o.Key).ToHashSet(StringComparer.Ordinal);
        var undocumented = MappedV1Endpoints().Where(e => !documented.Contains(e)).ToArray();
        Assert.True(undocumented.Length == 0, "mapped but missing from the OpenAPI document (so never fuzzed): " + string.Join(", ", undocumented));

        // 2. Callers and some state to protect: a strategy with an order, a fill and a position; users; the sample candles.
        // A second strategy holds a position in the sandbox symbol that accepted ticks may move (see MayAccept).
        var admin = Client((await factory.Login(EmbeddedApiFactory.AdminUsername, EmbeddedApiFactory.AdminPassword)).Access); // its own session
        await factory.CreateUser("fuzz-viewer", "viewer");
        var viewer = Client((await factory.Login("fuzz-viewer", EmbeddedApiFactory.UserPassword)).Access);
        await factory.CreateUser("fuzz-session", "viewer");
        var symbol = TradingClient.NewSymbol();
        var sandbox = TradingClient.NewSymbol();
        foreach (var s in new[] { symbol, sandbox })
        {
            var strategy = await admin.CreateStrategy([s]);
            await admin.Tick(s, 100m);
            Assert.Equal(HttpStatusCode.Created, (await admin.Order(strategy, s, "buy", 5)).StatusCode);
        }
        await Eventually.True(async () => (int)(await (await admin.Get("/v1/positions?per_page=1")).Read())["total"]! == 2,
            TimeSpan.FromSeconds(30), "the setup positions reach the portfolio");
        await Eventually.True(async () => (await (await admin.Get("/v1/candles?symbol=SPY&timeframe=1d&limit=1")).Read())["items"]!.AsArray().Count == 1,
            TimeSpan.FromSeconds(30), "the sample candles are loaded");
        var before = await StateSnapshot.Settled(admin, symbol);

        // 3. The cases.
        var generator = new FuzzCaseGenerator(new Random(seed), FuzzApiFactory.MaxRequestBodyBytes,
            o => o.Body is { IsJson: false } ? FuzzApiFactory.MaxImportBytes : FuzzApiFactory.MaxRequestBodyBytes, ReadQueryHints,
            o => o.OperationId is { } id && MayAccept.ContainsKey(id) ? SandboxHints(sandbox) : null);
        var adminToken = admin.DefaultRequestHeaders.Authorization!.Parameter!;
        var sessionOperations = operations.Where(EndsSession).ToArray();
        var fuzzed = operations.Where(o => !EndsSession(o)).ToArray();
        var adminCases = fuzzed.ToDictionary(o => o, o => (IReadOnlyList<FuzzCase>)generator.AdminCases(o).ToList());
        var cases = new List<FuzzCase>();
        cases.AddRange(fuzzed.SelectMany(o => adminCases[o]));
        cases.AddRange(generator.UndeclaredMethodCases(operations));
        cases.AddRange(fuzzed.SelectMany(o => generator.ViewerCases(o, adminCases[o])));
        cases.AddRange(operations.SelectMany(o => generator.AnonymousCases(o, adminCases.GetValueOrDefault(o) ?? [], adminToken)));
        var guarded = fuzzed.First(o => o.RequiredRole is not null);
        cases.Add(FuzzCaseGenerator.SeedCase(guarded, FuzzCaller.Anonymous, "protocol", "100 KB Authorization header", StatusCodes.Status431RequestHeaderFieldsTooLarge)
            with { ProtocolLevel = true, Authorization = "Bearer " + new string('a', 100 * 1024) });
        var sessionCases = sessionOperations.SelectMany(SessionCases).ToArray();
        Assert.InRange(cases.Count + sessionCases.Length, operations.Count, MaxRequests);

        // 4. Send them, one at a time.
        var runner = new FuzzRunner(admin, viewer, anonymous, o => o.OperationId is { } id && MayAccept.ContainsKey(id));
        var clock = Stopwatch.StartNew();
        foreach (var fuzzCase in cases) await runner.Run(fuzzCase);
        foreach (var fuzzCase in sessionCases)
        {
            var token = (await factory.Login("fuzz-session", EmbeddedApiFactory.UserPassword)).Access;
            var status = await runner.Run(fuzzCase with { Authorization = "Bearer " + token });
            var me = await Client(token).Get("/v1/auth/me");
            if (status is >= 200 and < 300 && me.StatusCode != HttpStatusCode.Unauthorized)
                runner.Violations.Add(new FuzzViolation(FuzzViolation.Session, $"{fuzzCase}: answered {status} but the session still works ({me.StatusCode})"));
        }
        clock.Stop();

        // 5. Nothing observable changed, and the admin's session survived (no fuzz input revoked it).
        Assert.Equal(HttpStatusCode.OK, (await admin.Get("/v1/auth/me")).StatusCode);
        var after = await StateSnapshot.Settled(admin, symbol);
        var differences = StateSnapshot.Differences(before, after);

        // 6. Report, then assert.
        var summary = new FuzzRunSummary(seed, Command, operations,
            ["`/v1/ws` (WebSocket upgrade, excluded from the document; covered by the WebSocket gateway tests)"],
            operations.Where(o => o.OperationId is { } id && MayAccept.ContainsKey(id)).ToDictionary(o => o.Key, o => MayAccept[o.OperationId!]),
            runner.Tally, runner.Violations, before.Count, differences);
        var markdown = FuzzReport.Markdown(summary);
        var reportPath = Path.Combine(RepoPaths.Root, ".tmp", "reliability-fuzz.md");
        Directory.CreateDirectory(Path.GetDirectoryName(reportPath)!);
        await File.WriteAllTextAsync(reportPath, markdown);
        output.WriteLine(markdown);
        output.WriteLine($"{runner.Tally.Total:N0} requests in {clock.Elapsed.TotalSeconds:0.0} s (not asserted); summary written to {reportPath}");
        foreach (var violation in runner.Violations) output.WriteLine("VIOLATION " + violation);

        Assert.Equal(0, runner.Tally.ServerErrors);
        Assert.True(runner.Violations.Count == 0, $"{runner.Violations.Count} contract breaches, first: " + string.Join("\n", runner.Violations.Take(10)));
        Assert.True(differences.Count == 0, "fuzz requests changed observable state:\n" + string.Join("\n", differences));
        Assert.Equal(cases.Count + sessionCases.Length, runner.Tally.Total);
        Assert.All(operations, o => Assert.True(runner.Tally.ByOperation.ContainsKey(o.Key), $"{o.Key} was not fuzzed"));
    }

    /// <summary>
    /// A client of the real server that waits for "100 Continue" as long as it takes: a body over the limit is then refused
    /// before it is sent even on a loaded machine (the default 1 s wait would send it and race Kestrel's close).
    /// </summary>
    private HttpClient Client(string? accessToken)
    {
        _server ??= factory.CreateClient().BaseAddress!; // starts the server; its real Kestrel address
        var client = new HttpClient(new SocketsHttpHandler { Expect100ContinueTimeout = TimeSpan.FromSeconds(60), AllowAutoRedirect = false })
        {
            BaseAddress = _server,
        };
        if (accessToken is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return client;
    }

    /// <summary>A few requests for an operation that ends the caller's session; each is sent with a fresh login (see the loop above).</summary>
    private static IEnumerable<FuzzCase> SessionCases(ApiOperation operation)
    {
        var seed = FuzzCaseGenerator.SeedCase(operation, FuzzCaller.Session, "session", "fresh session, no input");
        yield return seed;
        yield return seed with { Category = "malformed-json", Input = "fresh session, malformed JSON body", Body = "{\"x\":"u8.ToArray(), ContentType = "application/json" };
        yield return seed with { Category = "content-type", Input = "fresh session, text/plain body", Body = "logout"u8.ToArray(), ContentType = "text/plain" };
        yield return seed with { Category = "query", Input = "fresh session, hostile query", Url = FuzzCaseGenerator.Url(operation, query: "all=" + Uri.EscapeDataString("' OR 1=1 --")) };
    }

    /// <summary>"METHOD /path" of every HTTP endpoint mapped under /v1 that is meant to be in the document.</summary>
    private IEnumerable<string> MappedV1Endpoints() =>
        factory.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText?.StartsWith("/v1", StringComparison.Ordinal) == true)
            .Where(e => e.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is not { ExcludeFromDescription: true })
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? []).Select(m => $"{m} {e.RoutePattern.RawText!.TrimEnd('/')}"));
}
