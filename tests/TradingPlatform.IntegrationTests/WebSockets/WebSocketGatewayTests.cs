using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using TradingPlatform.Api.WebSockets;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Testing;
using static TradingPlatform.IntegrationTests.WebSockets.WsScenario;

namespace TradingPlatform.IntegrationTests.WebSockets;

/// <summary>The <c>/v1/ws</c> gateway over a real WebSocket against the embedded platform on real Kestrel.</summary>
[Collection(WebSocketCollection.Name)]
public sealed class WebSocketGatewayTests(WebSocketApiFactory factory)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    private Task<(HttpClient Trader, string Strategy, string Symbol)> Market() => WsScenario.Market(factory);

    [Fact]
    public async Task A_fill_placed_through_REST_arrives_on_fills_positions_and_pnl()
    {
        var (trader, strategy, symbol) = await Market();
        await using var ws = await WsClient.Connect(factory.BaseAddress, await factory.NewUserToken("viewer"));
        await ws.Subscribe(["fills", "positions", "pnl"]);

        var order = await trader.Placed(strategy, symbol, "buy", 3);

        // Topics are independent streams: the fill and the position may arrive in either order.
        JsonNode? fill = null, position = null;
        while (fill is null || position is null)
        {
            var m = await ws.ReceiveUntil(m => WsClient.Type(m) == "event" && IsFillOf(m, strategy), "the fill and the position");
            if ((string?)m["topic"] == "fills") fill = m;
            if ((string?)m["topic"] == "positions" && m["data"]!["quantity"].Number() == 3m) position = m;
        }
        Assert.Equal((string?)order["orderId"], (string?)fill["data"]!["orderId"]);
        Assert.Equal(symbol, (string?)fill["data"]!["symbol"]);
        Assert.Equal("buy", (string?)fill["data"]!["side"]);
        Assert.Equal(3m, fill["data"]!["quantity"].Number());
        Assert.True(WsClient.Seq(fill) >= 1);
        Assert.NotNull((string?)fill["time"]);
        Assert.Equal(100m, position["data"]!["averagePrice"].Number());
        await trader.Tick(symbol, 110m);
        var pnl = await ws.ReceiveUntil(m => (string?)m["topic"] == "pnl" && IsFillOf(m, strategy) && m["data"]!["unrealizedPnl"].Number() == 30m, "the PnL change after a mark");
        Assert.Equal(30m, pnl["data"]!["totalPnl"].Number());
    }

    [Fact]
    public async Task The_upgrade_is_refused_with_401_without_a_token_or_with_a_bad_one_and_accepted_with_a_query_token()
    {
        Assert.Equal(HttpStatusCode.Unauthorized, await WsClient.Refusal(factory.BaseAddress, null));
        Assert.Equal(HttpStatusCode.Unauthorized, await WsClient.Refusal(factory.BaseAddress, "not-a-token"));
        Assert.Equal(HttpStatusCode.Unauthorized, await WsClient.Refusal(factory.BaseAddress, "not-a-token", tokenInQuery: true));

        var plain = await factory.CreateClient().GetAsync(new Uri("/v1/ws", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, plain.StatusCode);
        Assert.Equal("application/problem+json", plain.Content.Headers.ContentType?.MediaType);

        await using var ws = await WsClient.Connect(factory.BaseAddress, await factory.NewUserToken("viewer"), tokenInQuery: true);
        await ws.Send(new { op = "ping" });
        Assert.Equal("pong", WsClient.Type((await ws.ReceiveUntil(m => WsClient.Type(m) != "heartbeat", "pong"))!));
    }

    [Fact]
    public async Task A_topic_above_the_callers_role_is_refused_with_an_error_and_the_connection_lives()
    {
        // This factory raises 'alerts' to trader through WebSockets:TopicRoles (the contract's default is viewer).
        await using var viewer = await WsClient.Connect(factory.BaseAddress, await factory.NewUserToken("viewer"));
        await viewer.Send(new { op = "subscribe", topics = new[] { "alerts", "fills" } });
        var error = await viewer.ReceiveUntil(m => WsClient.Type(m) == "error", "forbidden");
        Assert.Equal("forbidden", (string?)error["code"]);
        var subscribed = await viewer.ReceiveUntil(m => WsClient.Type(m) == "subscribed", "fills still subscribed");
        Assert.Equal(["fills"], subscribed["topics"]!.AsArray().Select(t => (string)t!));

        await using var trader = await WsClient.Connect(factory.BaseAddress, await factory.NewUserToken("trader"));
        await trader.Subscribe(["alerts", "killswitch", "strategies", "system", "backtest:run-1"]);
    }

    [Fact]
    public async Task Logging_out_closes_the_socket_with_4401()
    {
        var token = await factory.NewUserToken("viewer");
        await using var ws = await WsClient.Connect(factory.BaseAddress, token);
        await ws.Subscribe(["fills"]);

        var http = factory.WithToken(token);
        Assert.Equal(HttpStatusCode.NoContent, (await http.PostAsync(new Uri("/v1/auth/logout", UriKind.Relative), null)).StatusCode);

        while (await ws.Receive() is not null)
        {
            // heartbeats until the server closes
        }
        Assert.Equal(4401, (int?)ws.CloseStatus);
        Assert.Equal(HttpStatusCode.Unauthorized, await WsClient.Refusal(factory.BaseAddress, token));
    }

    [Fact]
    public async Task Resuming_with_since_replays_exactly_the_missed_events_then_continues_live()
    {
        var (trader, strategy, symbol) = await Market();
        var token = await factory.NewUserToken("viewer");
        List<JsonNode> first;
        await using (var ws = await WsClient.Connect(factory.BaseAddress, token))
        {
            await ws.Subscribe(["fills"]);
            await PlaceOrders(trader, strategy, symbol, 5);
            first = await ws.Events("fills", e => e.Count(m => IsFillOf(m, strategy)) == 5, "the first five fills");
            await ws.CloseNormally();
        }
        var mine = first.Where(m => IsFillOf(m, strategy)).ToList();
        var since = WsClient.Seq(mine[2]);
        var missed = await PlaceOrders(trader, strategy, symbol, 4);

        await using var resumed = await WsClient.Connect(factory.BaseAddress, token);
        await resumed.Subscribe(["fills"], new() { ["fills"] = since });
        var replay = await resumed.Events("fills", e => e.Count(m => IsFillOf(m, strategy)) == 6, "the two unseen fills of the first batch and the four missed ones");
        Assert.Equal(since + 1, WsClient.Seq(replay[0]));
        AssertContiguous(replay);
        Assert.Equal([.. mine.Skip(3).Select(m => (string?)m["data"]!["fillId"])],
            replay.Where(m => IsFillOf(m, strategy)).Take(2).Select(m => (string?)m["data"]!["fillId"]));
        Assert.Equal(missed, replay.Where(m => IsFillOf(m, strategy)).Skip(2).Select(m => (string)m["data"]!["orderId"]!));

        var live = await PlaceOrders(trader, strategy, symbol, 3);
        var after = await resumed.Events("fills", e => e.Count(m => IsFillOf(m, strategy)) == 3, "live fills after the replay");
        Assert.Equal(WsClient.Seq(replay[^1]) + 1, WsClient.Seq(after[0]));
        AssertContiguous(after);
        Assert.Equal(live, after.Where(m => IsFillOf(m, strategy)).Select(m => (string)m["data"]!["orderId"]!));
    }

    [Fact]
    public async Task A_since_older_than_the_retained_window_gets_resync()
    {
        var (trader, strategy, symbol) = await Market();
        var token = await factory.NewUserToken("viewer");
        await using var ws = await WsClient.Connect(factory.BaseAddress, token);
        await ws.Subscribe(["fills"]);
        await PlaceOrders(trader, strategy, symbol, 70); // the factory retains 64 events per topic
        var events = await ws.Events("fills", e => e.Count(m => IsFillOf(m, strategy)) == 70, "70 fills");
        var last = WsClient.Seq(events[^1]);

        await using var late = await WsClient.Connect(factory.BaseAddress, token);
        await late.Subscribe(["fills"], new() { ["fills"] = last - 69 });
        var resync = await late.ReceiveUntil(m => WsClient.Type(m) is "resync" or "event", "resync");
        Assert.Equal("resync", WsClient.Type(resync));
        Assert.Equal("fills", (string?)resync["topic"]);
    }

    [Fact]
    public async Task Malformed_messages_get_errors_and_the_connection_stays_open()
    {
        await using var ws = await WsClient.Connect(factory.BaseAddress, await factory.NewUserToken("viewer"));
        async Task<string?> ErrorFor(Func<Task> send)
        {
            await send();
            return (string?)(await ws.ReceiveUntil(m => WsClient.Type(m) == "error", "an error"))["code"];
        }

        Assert.Equal("bad_json", await ErrorFor(() => ws.SendText("{not json")));
        Assert.Equal("bad_json", await ErrorFor(() => ws.SendText("""{"op":"subscribe","topics":"fills"}""")));
        Assert.Equal("bad_request", await ErrorFor(() => ws.SendText("""{"topics":["fills"]}""")));
        Assert.Equal("unknown_op", await ErrorFor(() => ws.Send(new { op = "dance" })));
        Assert.Equal("bad_request", await ErrorFor(() => ws.Send(new { op = "subscribe" })));
        Assert.Equal("unknown_topic", await ErrorFor(() => ws.Send(new { op = "subscribe", topics = new[] { "everything" } })));
        Assert.Equal("unknown_topic", await ErrorFor(() => ws.Send(new { op = "subscribe", topics = new[] { "backtest:../etc" } })));
        Assert.Equal("message_too_large", await ErrorFor(() => ws.SendText($$"""{"op":"ping","pad":"{{new string('x', 4000)}}"}""")));
        Assert.Equal("binary_not_supported", await ErrorFor(() => ws.SendBinary([1, 2, 3])));

        await ws.Send(new { op = "ping" });
        await ws.ReceiveUntil(m => WsClient.Type(m) == "pong", "pong after the errors");
        await ws.Subscribe(["fills"]);
    }

    [Fact]
    public async Task An_idle_connection_gets_heartbeats()
    {
        await using var ws = await WsClient.Connect(factory.BaseAddress, await factory.NewUserToken("viewer"));
        await ws.ReceiveUntil(m => WsClient.Type(m) == "heartbeat", "a heartbeat");
    }

    [Fact]
    public async Task A_slow_consumer_is_told_to_resync_while_a_fast_one_receives_everything()
    {
        var (trader, strategy, symbol) = await Market();
        var slowToken = await factory.NewUserToken("viewer");
        var slowUser = (string)(await (await factory.WithToken(slowToken).Get("/v1/auth/me")).Read())["id"]!;
        await using var fast = await WsClient.Connect(factory.BaseAddress, await factory.NewUserToken("viewer"));
        await using var slow = await WsClient.Connect(factory.BaseAddress, slowToken, tinyReceiveBuffer: true);
        await fast.Subscribe(["fills"]);
        await slow.Subscribe(["fills", "positions", "pnl"]);

        // The fast client reads all the time; the slow one stops reading until its queue has overflowed.
        var fastEvents = new System.Collections.Concurrent.ConcurrentQueue<JsonNode>();
        _ = Task.Run(async () =>
        {
            while (await fast.Receive(TimeSpan.FromSeconds(120)) is { } m)
                if (WsClient.Type(m) == "event" && (string?)m["topic"] == "fills") fastEvents.Enqueue(m);
        });
        var gateway = factory.Services.GetRequiredService<TopicGateway>();
        bool Overflowed() => gateway.Connections.Any(c => c.UserId == slowUser && c.Dropped > 0);
        var placed = 0;
        while (!Overflowed())
        {
            Assert.True(placed < 2500, "the slow client's queue never overflowed");
            await PlaceOrders(trader, strategy, symbol, 25);
            placed += 25;
        }
        await PlaceOrders(trader, strategy, symbol, 10);
        placed += 10;
        await Eventually.True(() => Task.FromResult(fastEvents.Count(m => IsFillOf(m, strategy)) == placed), TimeSpan.FromSeconds(60), "the fast client received every fill");

        Assert.Equal(placed, fastEvents.Count(m => IsFillOf(m, strategy)));
        AssertContiguous([.. fastEvents]);

        // Now the slow client reads: what it gets per topic is gap-free, then a resync for a topic that overflowed.
        var slowEvents = new Dictionary<string, List<JsonNode>>();
        JsonNode message;
        do
        {
            message = await slow.ReceiveUntil(m => WsClient.Type(m) is "event" or "resync", "events, then resync");
            if (WsClient.Type(message) == "event")
            {
                var topic = (string)message["topic"]!;
                if (!slowEvents.TryGetValue(topic, out var list)) slowEvents[topic] = list = [];
                list.Add(message);
            }
        }
        while (WsClient.Type(message) != "resync");
        foreach (var list in slowEvents.Values) AssertContiguous(list);
        Assert.True(slowEvents.Values.Sum(l => l.Count) < placed * 3, "the slow client cannot have received everything");

        await slow.Send(new { op = "ping" });
        await slow.ReceiveUntil(m => WsClient.Type(m) == "pong", "the slow connection is still alive after the resync");
    }
}
