using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TradingPlatform.IntegrationTests.WebSockets;

/// <summary>A real <see cref="ClientWebSocket"/> against a real Kestrel, with JSON helpers.</summary>
public sealed class WsClient : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly ClientWebSocket _socket;
    private readonly HttpMessageInvoker? _invoker;

    private WsClient(ClientWebSocket socket, HttpMessageInvoker? invoker)
    {
        _socket = socket;
        _invoker = invoker;
    }

    public WebSocketState State => _socket.State;

    public WebSocketCloseStatus? CloseStatus => _socket.CloseStatus;

    public string? CloseStatusDescription => _socket.CloseStatusDescription;

    public static Uri WsUri(Uri httpBase, string? queryToken = null)
    {
        var builder = new UriBuilder(httpBase) { Scheme = httpBase.Scheme == "https" ? "wss" : "ws", Path = "/v1/ws" };
        if (queryToken is not null) builder.Query = "access_token=" + Uri.EscapeDataString(queryToken);
        return builder.Uri;
    }

    /// <summary>Connects with the token in the Authorization header (or in the query).</summary>
    /// <param name="tinyReceiveBuffer">A 4 KB socket receive buffer, so a client that stops reading backs up the server quickly.</param>
    public static async Task<WsClient> Connect(Uri httpBase, string? token, bool tokenInQuery = false, bool tinyReceiveBuffer = false)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null && !tokenInQuery) socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        HttpMessageInvoker? invoker = null;
        if (tinyReceiveBuffer)
        {
            invoker = new HttpMessageInvoker(new SocketsHttpHandler
            {
                ConnectCallback = async (context, cancellationToken) =>
                {
                    var raw = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = 4096 };
                    await raw.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(raw, ownsSocket: true);
                },
            });
        }
        using var timeout = new CancellationTokenSource(Patience);
        await socket.ConnectAsync(WsUri(httpBase, tokenInQuery ? token : null), invoker, timeout.Token);
        return new WsClient(socket, invoker);
    }

    /// <summary>The HTTP status of a refused upgrade.</summary>
    public static async Task<HttpStatusCode> Refusal(Uri httpBase, string? token, bool tokenInQuery = false)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (token is not null && !tokenInQuery) socket.Options.SetRequestHeader("Authorization", "Bearer " + token);
        using var timeout = new CancellationTokenSource(Patience);
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(WsUri(httpBase, tokenInQuery ? token : null), timeout.Token));
        return socket.HttpStatusCode;
    }

    public Task Send(object message) => SendText(JsonSerializer.Serialize(message, JsonSerializerOptions.Web));

    public async Task SendText(string text)
    {
        using var timeout = new CancellationTokenSource(Patience);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, timeout.Token);
    }

    public async Task SendBinary(byte[] bytes)
    {
        using var timeout = new CancellationTokenSource(Patience);
        await _socket.SendAsync(bytes, WebSocketMessageType.Binary, true, timeout.Token);
    }

    /// <summary>The next message, or null when the server closed the connection.</summary>
    public async Task<JsonNode?> Receive(TimeSpan? within = null)
    {
        using var timeout = new CancellationTokenSource(within ?? Patience);
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        while (true)
        {
            var result = await _socket.ReceiveAsync(buffer, timeout.Token);
            if (result.MessageType == WebSocketMessageType.Close) return null;
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage) return JsonNode.Parse(message.ToArray());
        }
    }

    /// <summary>Reads until a message matches (skipping heartbeats and anything else); fails if the socket closes first.</summary>
    public async Task<JsonNode> ReceiveUntil(Func<JsonNode, bool> match, string what, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? Patience);
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) throw new TimeoutException("No message: " + what);
            var message = await Receive(left) ?? throw new InvalidOperationException($"Closed ({CloseStatus}) before: {what}");
            if (match(message)) return message;
        }
    }

    /// <summary>Subscribes and waits for the <c>subscribed</c> answer.</summary>
    public async Task Subscribe(string[] topics, Dictionary<string, long>? since = null)
    {
        await Send(since is null ? new { op = "subscribe", topics } : new { op = "subscribe", topics, since });
        await ReceiveUntil(m => Type(m) == "subscribed", "subscribed");
    }

    /// <summary>Collects event messages of <paramref name="topic"/> until <paramref name="done"/> holds.</summary>
    public async Task<List<JsonNode>> Events(string topic, Func<List<JsonNode>, bool> done, string what)
    {
        var events = new List<JsonNode>();
        while (!done(events))
            events.Add(await ReceiveUntil(m => Type(m) == "event" && (string?)m["topic"] == topic, what));
        return events;
    }

    public async Task CloseNormally()
    {
        using var timeout = new CancellationTokenSource(Patience);
        await _socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", timeout.Token);
    }

    public static string? Type(JsonNode message) => (string?)message["type"];

    public static long Seq(JsonNode message) => (long)message["seq"]!;

    public ValueTask DisposeAsync()
    {
        _socket.Abort();
        _socket.Dispose();
        _invoker?.Dispose();
        return ValueTask.CompletedTask;
    }
}
