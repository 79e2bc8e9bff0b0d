using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>
/// WebSocket subscribers that live the way dashboards do: connect (to the API nodes in turn), subscribe, stay 20–40 s
/// with a ping every 10 s, close normally, wait 1–3 s, reconnect and resume every topic with <c>since</c> = the last
/// seq seen. Within a subscription, and across a resume, every event's seq must be the previous one + 1: a jump is a
/// gap, a repeat a duplicate, a <c>resync</c> an error (the window is far larger than a few seconds of events).
/// </summary>
public sealed class SoakSubscribers(SoakHttp http, SoakCounters counters, int count)
{
    private static readonly string[] Topics = ["fills", "positions", "pnl", "strategies", "system"];
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan PingEvery = TimeSpan.FromSeconds(10);

    public Task Run(CancellationToken cancellationToken) =>
        Task.WhenAll(Enumerable.Range(0, count).Select(i => Subscriber(i, cancellationToken)));

    private async Task Subscriber(int index, CancellationToken cancellationToken)
    {
        var random = new Random(100 + index);
        var last = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 3_000)), cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                await Session(random, last, cancellationToken);
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1_000, 3_000)), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task Session(Random random, Dictionary<string, long> last, CancellationToken cancellationToken)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Authorization", "Bearer " + http.Token);
        var api = http.NextApi();
        var uri = new UriBuilder(api) { Scheme = "ws", Path = "/v1/ws" }.Uri;
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            connectTimeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(uri, connectTimeout.Token);
            }
            catch (Exception e) when (e is WebSocketException or OperationCanceledException or HttpRequestException && !cancellationToken.IsCancellationRequested)
            {
                counters.Error(ErrorKind.WsConnect, $"{uri}: {e.Message}");
                return;
            }
        }
        counters.Count("ws connects");
        if (last.Count > 0) counters.Count("ws resumes with since");

        // Cancelling a receive aborts a ClientWebSocket, so the session ends with a close handshake instead: the timer
        // below sends the close frame, and the receive loop ends when the server's close frame arrives.
        var lifetime = TimeSpan.FromSeconds(random.Next(20, 41));
        var sendLock = new SemaphoreSlim(1, 1);
        var closing = 0;
        long pings = 0, pongs = 0;
        var normalClose = false;
        await Send(socket, sendLock, Subscribe(Topics, last), cancellationToken);
        var timer = Task.Run(async () =>
        {
            try
            {
                // One ping per slot of a fixed schedule (10 s, 20 s, ... before the end of the session), whatever the
                // timer does. The loop this replaces slept min(time left, 10 s) and pinged when the wall clock was not
                // yet past the end: Task.Delay truncates to whole milliseconds, so in the last millisecond before the end
                // it returned at once, again and again, and sent a burst of pings (the API answered `rate_limited`).
                var session = Stopwatch.StartNew();
                for (var due = PingEvery; due < lifetime; due += PingEvery)
                {
                    await Until(session, due, cancellationToken);
                    await Send(socket, sendLock, """{"op":"ping"}""", cancellationToken);
                    Interlocked.Increment(ref pings);
                }
                await Until(session, lifetime, cancellationToken);
                await sendLock.WaitAsync(cancellationToken);
                try
                {
                    Volatile.Write(ref closing, 1);
                    if (socket.State == WebSocketState.Open)
                        await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "soak reconnect", cancellationToken);
                }
                finally
                {
                    sendLock.Release();
                }
            }
            catch (Exception e) when (e is OperationCanceledException or WebSocketException or ObjectDisposedException)
            {
            }
        }, CancellationToken.None);

        using var hard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hard.CancelAfter(lifetime + TimeSpan.FromSeconds(20));
        var buffer = new byte[64 * 1024];
        var message = new MemoryStream();
        try
        {
            while (true)
            {
                var result = await socket.ReceiveAsync(buffer, hard.Token);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    if (Volatile.Read(ref closing) == 1 && socket.CloseStatus == WebSocketCloseStatus.NormalClosure)
                    {
                        counters.Count("ws normal closes");
                        normalClose = true;
                    }
                    else counters.Error(ErrorKind.WsClosed, $"{uri}: closed by the server: {(int?)socket.CloseStatus} {socket.CloseStatusDescription}");
                    break;
                }
                message.Write(buffer, 0, result.Count);
                if (!result.EndOfMessage) continue;
                var frame = message.GetBuffer().AsSpan(0, (int)message.Length);
                if (IsPong(frame)) Interlocked.Increment(ref pongs);
                var resubscribe = Handle(frame, last);
                message.SetLength(0);
                if (resubscribe is not null && Volatile.Read(ref closing) == 0)
                    await Send(socket, sendLock, Subscribe([resubscribe], last), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (OperationCanceledException)
        {
            counters.Error(ErrorKind.WsClosed, $"{uri}: no close frame within 20 s of ours");
        }
        catch (WebSocketException e)
        {
            counters.Error(ErrorKind.WsClosed, $"{uri}: {e.Message}");
        }
        await timer;
        counters.Count("ws pings", pings);
        counters.Count("ws pongs", pongs);
        // A session that ended with the close handshake has had every ping answered (the server handles a
        // connection's messages in order, and our close frame goes after the last ping).
        if (normalClose && pongs != pings) counters.Error(ErrorKind.WsSilent, $"{uri}: {pings} pings, {pongs} pongs");
        else if (pings >= 2 && pongs == 0) counters.Error(ErrorKind.WsSilent, $"{uri}: {pings} pings, no pong");
    }

    /// <summary>Sleeps until <paramref name="clock"/> reaches <paramref name="due"/>: never returns before it (Task.Delay may, by up to a millisecond).</summary>
    private static async Task Until(Stopwatch clock, TimeSpan due, CancellationToken cancellationToken)
    {
        for (var left = due - clock.Elapsed; left > TimeSpan.Zero; left = due - clock.Elapsed)
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Ceiling(left.TotalMilliseconds)), cancellationToken);
    }

    private static string Subscribe(IEnumerable<string> topics, Dictionary<string, long> last)
    {
        var list = topics.ToArray();
        var since = list.Where(last.ContainsKey).ToDictionary(t => t, t => last[t], StringComparer.Ordinal);
        return JsonSerializer.Serialize(new { op = "subscribe", topics = list, since });
    }

    /// <summary>Counts a server message and checks its seq; returns a topic to subscribe to again (after a resync).</summary>
    private string? Handle(ReadOnlySpan<byte> frame, Dictionary<string, long> last)
    {
        counters.Count("ws frames");
        using var json = JsonDocument.Parse(frame.ToArray());
        var root = json.RootElement;
        var type = root.TryGetProperty("type", out var t) ? t.GetString() : null;
        switch (type)
        {
            case "event":
                var topic = root.GetProperty("topic").GetString()!;
                var seq = root.GetProperty("seq").GetInt64();
                counters.Count("ws events " + topic);
                if (last.TryGetValue(topic, out var previous) && seq != previous + 1)
                {
                    if (seq <= previous) counters.Error(ErrorKind.WsDuplicate, $"{topic}: seq {seq} after {previous}");
                    else counters.Error(ErrorKind.WsGap, $"{topic}: seq {seq} after {previous} ({seq - previous - 1} missing)");
                }
                if (seq > previous) last[topic] = seq;
                return null;
            case "resync":
                var resynced = root.GetProperty("topic").GetString()!;
                counters.Error(ErrorKind.WsResync, $"resync of {resynced} (last seq {(last.TryGetValue(resynced, out var l) ? l : 0)})");
                last.Remove(resynced);
                return resynced;
            case "error":
                counters.Error(ErrorKind.WsErrorFrame, Encoding.UTF8.GetString(frame));
                return null;
            case "pong":
                return null; // counted per session (a ping without any pong is an error)
            default:
                counters.Count("ws " + (type ?? "untyped"));
                return null;
        }
    }

    private static bool IsPong(ReadOnlySpan<byte> frame) => frame.IndexOf("\"pong\""u8) >= 0;

    private static async Task Send(ClientWebSocket socket, SemaphoreSlim sendLock, string text, CancellationToken cancellationToken)
    {
        await sendLock.WaitAsync(cancellationToken);
        try
        {
            await socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cancellationToken);
        }
        finally
        {
            sendLock.Release();
        }
    }
}
