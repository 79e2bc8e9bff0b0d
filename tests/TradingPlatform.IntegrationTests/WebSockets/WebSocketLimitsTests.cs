using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Orleans.Core.Internal;
using TradingPlatform.Api.WebSockets;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.Testing;
using TradingPlatform.Topics;
using static TradingPlatform.IntegrationTests.WebSockets.WsScenario;

namespace TradingPlatform.IntegrationTests.WebSockets;

/// <summary>
/// The gateway ending connections on its own: a slow consumer (resync, then 4408) and a token that expires while
/// the socket is open (4401). On a node of their own (<see cref="WebSocketLimitsApiFactory"/>): small queues, short timeouts.
/// </summary>
[Collection(WebSocketLimitsCollection.Name)]
public sealed partial class WebSocketLimitsTests(WebSocketLimitsApiFactory factory, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_consumer_that_stops_reading_gets_resync_then_4408_while_a_fast_one_on_the_same_node_misses_nothing()
    {
        var (trader, strategy, symbol) = await WsScenario.Market(factory);
        var slowToken = await factory.NewUserToken("viewer");
        var slowUser = (string)(await (await factory.WithToken(slowToken).Get("/v1/auth/me")).Read())["id"]!;
        var before = await GatewayMetrics();
        await using var fast = await WsClient.Connect(factory.BaseAddress, await factory.NewUserToken("viewer"));
        await using var slow = await WsClient.Connect(factory.BaseAddress, slowToken, tinyReceiveBuffer: true);
        await fast.Subscribe(["fills"]);
        string[] slowTopics = ["fills", "positions"]; // both get an event for every order (pnl does not: the price stays put)
        await slow.Subscribe(slowTopics);

        // The fast client reads all the time; the slow one reads nothing from here until it has been closed.
        var fastMessages = new ConcurrentQueue<JsonNode>();
        var fastReader = Task.Run(async () =>
        {
            while (await fast.Receive(Patience) is { } m) fastMessages.Enqueue(m);
        });
        List<JsonNode> FastFills() => [.. fastMessages.Where(m => WsClient.Type(m) == "event" && (string?)m["topic"] == "fills")];
        var gateway = factory.Services.GetRequiredService<TopicGateway>();
        var placed = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while ((await GatewayMetrics()).SlowConsumerDisconnects == before.SlowConsumerDisconnects)
        {
            if (placed >= 3000)
                Assert.Fail($"The slow client was never closed as a slow consumer: {await GatewayMetrics()}; its connection: "
                    + string.Join(", ", gateway.Connections.Where(c => c.UserId == slowUser).Select(c => $"dropped {c.Dropped}, topics [{string.Join(" ", c.Topics)}]")));
            // A topic whose queue overflowed before the socket backed up got its resync and is no longer queued
            // for the client: subscribe again (sending needs no reading) so that frames keep piling up.
            if (gateway.Connections.FirstOrDefault(c => c.UserId == slowUser) is { } connection && connection.Topics.Count() < slowTopics.Length)
                await slow.Send(new { op = "subscribe", topics = slowTopics });
            await PlaceOrders(trader, strategy, symbol, 5);
            placed += 5;
        }
        await PlaceOrders(trader, strategy, symbol, 10); // the fast client goes on while the slow one is being closed
        placed += 10;
        output.WriteLine($"{placed} orders placed before the slow client was closed ({clock.Elapsed.TotalSeconds:0.0} s)");

        // The slow client reads at last: events (gap-free per topic), then resync, then the close frame with 4408.
        var slowMessages = await ReadUntilClosed(slow, "the slow client closed after its resync");
        Assert.Equal(CloseCodes.SlowConsumer, (int?)slow.CloseStatus);
        await slow.CloseNormally(); // completes the close handshake, as a client does
        var resyncs = slowMessages.Where(m => WsClient.Type(m) == "resync").ToList();
        Assert.NotEmpty(resyncs);
        Assert.Equal("resync", WsClient.Type(slowMessages.Last(m => WsClient.Type(m) != "heartbeat")));
        Assert.All(resyncs, r => Assert.Contains((string?)r["topic"], slowTopics));
        foreach (var topic in slowTopics)
        {
            // Between two subscriptions of one topic there is a resync; within each run seqs go up by one.
            var run = new List<JsonNode>();
            foreach (var m in slowMessages.Where(m => (string?)m["topic"] == topic))
            {
                if (WsClient.Type(m) == "resync")
                {
                    AssertContiguous(run);
                    run.Clear();
                }
                else if (WsClient.Type(m) == "event") run.Add(m);
            }
            AssertContiguous(run);
        }
        Assert.True(slowMessages.Count(m => WsClient.Type(m) == "event" && (string?)m["topic"] == "fills") < placed, "the slow client cannot have received every fill");

        // The fast client on the same node: every fill, no gap, still connected.
        await Eventually.Get(
            () => Task.FromResult((Fills: FastFills().Count(m => IsFillOf(m, strategy)), Resyncs: fastMessages.Count(m => WsClient.Type(m) == "resync"))),
            got => got.Fills == placed, Patience, $"the fast client received all {placed} fills");
        output.WriteLine($"fast client: all {placed} fills ({clock.Elapsed.TotalSeconds:0.0} s)");
        AssertContiguous(FastFills());
        Assert.Equal(placed, FastFills().Count(m => IsFillOf(m, strategy)));
        Assert.DoesNotContain(fastMessages, m => WsClient.Type(m) == "resync");
        await fast.Send(new { op = "ping" });
        await Eventually.True(() => Task.FromResult(fastMessages.Any(m => WsClient.Type(m) == "pong")), Patience, "pong: the fast client is still connected");
        Assert.False(fastReader.IsCompleted, "the fast client's connection ended");

        // The node let go of the slow connection, and its metrics say why.
        await Eventually.True(() => Task.FromResult(gateway.Connections.All(c => c.UserId != slowUser)), Patience, "the slow connection removed from the gateway");
        var after = await GatewayMetrics();
        Assert.True(after.SlowConsumerDisconnects > before.SlowConsumerDisconnects, "tradingplatform_ws_slow_consumer_disconnects_total did not move");
        Assert.True(after.Closes4408 > before.Closes4408, "tradingplatform_ws_server_closes_total{code=\"4408\"} did not move");
        Assert.True(after.SlowConsumerResyncs > before.SlowConsumerResyncs, "tradingplatform_ws_resyncs_total{reason=\"slow_consumer\"} did not move");
        Assert.True(after.Dropped > before.Dropped, "tradingplatform_ws_dropped_total did not move");
    }

    [Fact]
    public async Task A_token_that_expires_while_connected_closes_the_socket_with_4401()
    {
        var username = $"ws-exp-{Guid.NewGuid():N}"[..20];
        await factory.CreateUser(username, "viewer");
        var session = await factory.Login(username, EmbeddedApiFactory.UserPassword);
        // The same session's token (same user, token id, family and version: the user grain admits it), but
        // expiring in seconds instead of Auth:AccessTokenMinutes (at least a minute).
        var shortLived = Reissue(session.Access, DateTime.UtcNow.AddSeconds(8));

        await using var ws = await WsClient.Connect(factory.BaseAddress, shortLived);
        await ws.Subscribe(["fills"]);
        await ws.Send(new { op = "ping" });
        await ws.ReceiveUntil(m => WsClient.Type(m) == "pong", "pong while the token is valid");

        await ReadUntilClosed(ws, "the socket closed after the token expired"); // heartbeats until then
        Assert.Equal(CloseCodes.Unauthorized, (int?)ws.CloseStatus);
        Assert.Equal("token expired", ws.CloseStatusDescription);

        // Expiry, not revocation: the session is intact, its regular token still works over REST and WebSocket.
        Assert.Equal(HttpStatusCode.OK, (await factory.WithToken(session.Access).Get("/v1/auth/me")).StatusCode);
        await using var again = await WsClient.Connect(factory.BaseAddress, session.Access);
        await again.Subscribe(["fills"]);
        // The expired token itself no longer opens a socket.
        Assert.Equal(HttpStatusCode.Unauthorized, await WsClient.Refusal(factory.BaseAddress, shortLived));
    }

    /// <summary>
    /// A topic sequencer that ends gracefully (silo shutdown, idle collection, migration) hands back the rest of its
    /// seq block: the next activation continues at the next seq, so a live subscriber just goes on, with no resync.
    /// </summary>
    [Fact]
    public async Task A_live_subscriber_sees_no_gap_and_no_resync_when_the_topic_sequencer_is_deactivated_gracefully()
    {
        var (trader, strategy, symbol) = await WsScenario.Market(factory);
        await using var ws = await WsClient.Connect(factory.BaseAddress, await factory.NewUserToken("viewer"));
        await ws.Subscribe(["fills"]);
        await PlaceOrders(trader, strategy, symbol, 5);
        var received = new List<JsonNode>();
        async Task ReadFills(int mine, string what)
        {
            var target = received.Count(m => IsFillOf(m, strategy)) + mine;
            while (received.Count(m => IsFillOf(m, strategy)) < target)
            {
                var m = await ws.ReceiveUntil(m => WsClient.Type(m) is "event" or "resync", what);
                Assert.Equal("event", WsClient.Type(m)); // a resync would end the subscription
                if ((string?)m["topic"] == "fills") received.Add(m);
            }
        }
        await ReadFills(5, "five fills");

        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        await grains.Topic(TopicNames.Fills).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await PlaceOrders(trader, strategy, symbol, 5);
        await ReadFills(5, "five fills after the topic grain was deactivated");

        AssertContiguous(received);
        await ws.Send(new { op = "ping" });
        var next = await ws.ReceiveUntil(m => WsClient.Type(m) is "pong" or "resync", "pong");
        Assert.Equal("pong", WsClient.Type(next));
    }

    /// <summary>Every message until the server's close frame (heartbeats keep coming, so the wait is bounded overall).</summary>
    private static async Task<List<JsonNode>> ReadUntilClosed(WsClient client, string what)
    {
        var messages = new List<JsonNode>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (await client.Receive(Patience) is { } message)
        {
            messages.Add(message);
            if (clock.Elapsed > Patience) throw new TimeoutException($"Not closed within {Patience.TotalSeconds} s: {what}");
        }
        return messages;
    }

    /// <summary>The claims of <paramref name="token"/>, signed with the node's key, expiring at <paramref name="expires"/>.</summary>
    private static string Reissue(string token, DateTime expires)
    {
        var original = new JsonWebTokenHandler().ReadJsonWebToken(token);
        var claims = new[] { "sub", "name", "role", "jti", "fid" }.ToDictionary(c => c, c => (object)original.GetClaim(c).Value);
        claims["ver"] = int.Parse(original.GetClaim("ver").Value, CultureInfo.InvariantCulture);
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = original.Issuer,
            Audience = original.Audiences.Single(),
            IssuedAt = DateTime.UtcNow,
            NotBefore = DateTime.UtcNow,
            Expires = expires,
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(EmbeddedApiFactory.SigningKey)), SecurityAlgorithms.HmacSha256),
            Claims = claims,
        });
    }

    private sealed record Counters(double SlowConsumerDisconnects, double Closes4408, double SlowConsumerResyncs, double Dropped);

    /// <summary>The gateway's counters from GET /metrics (process-wide: compare before and after, never absolute).</summary>
    private async Task<Counters> GatewayMetrics()
    {
        var text = await (await factory.CreateClient().Get("/metrics")).Content.ReadAsStringAsync();
        double Sum(Func<string, bool> series) => MetricLine().Matches(text)
            .Where(m => series(m.Groups["series"].Value))
            .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));
        return new Counters(
            Sum(s => s == "tradingplatform_ws_slow_consumer_disconnects_total"),
            Sum(s => s.StartsWith("tradingplatform_ws_server_closes_total{", StringComparison.Ordinal) && s.Contains("code=\"4408\"", StringComparison.Ordinal)),
            Sum(s => s.StartsWith("tradingplatform_ws_resyncs_total{", StringComparison.Ordinal) && s.Contains("reason=\"slow_consumer\"", StringComparison.Ordinal)),
            Sum(s => s.StartsWith("tradingplatform_ws_dropped_total{", StringComparison.Ordinal)));
    }

    [GeneratedRegex(@"^(?<series>tradingplatform_ws_[a-z_]+(\{[^}]*\})?) (?<value>[0-9.eE+-]+)$", RegexOptions.Multiline)]
    private static partial Regex MetricLine();
}
