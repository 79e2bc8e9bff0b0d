using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Net;

namespace TradingPlatform.IntegrationTests.Alerts;

/// <summary>One webhook request as the receiver saw it, with its own verdict on the signature.</summary>
public sealed record ReceivedWebhook(string? DeliveryId, string? Event, string? Attempt, string? Timestamp, string? Signature, string Body, bool SignatureValid);

/// <summary>
/// A real HTTP receiver (<see cref="HttpListener"/> on 127.0.0.1; not a second ASP.NET host, which
/// WebApplicationFactory's host interception could mistake for the API while a factory starts) for alert webhooks. It checks each signature with its own HMAC
/// code (not the platform's), records every request, and answers as the test says for alerts whose body holds a
/// token (default 200). It can be stopped and started again on the same port to play a receiver that is down.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public const string Secret = "integration-webhook-secret-0123456789";
    public const string Path = "/hooks/alerts";

    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentDictionary<string, Func<int, Task<int>>> _behaviours = new();
    private readonly ConcurrentDictionary<string, int> _counts = new();
    private HttpListener? _listener;
    private Task? _loop;

    private WebhookReceiver(int port) => Port = port;

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}{Path}";

    public static async Task<WebhookReceiver> Start(int port)
    {
        var receiver = new WebhookReceiver(port);
        await receiver.Start();
        return receiver;
    }

    /// <summary>Requests whose body holds <paramref name="token"/>, in arrival order.</summary>
    public IReadOnlyList<ReceivedWebhook> For(string token) => _received.Where(r => r.Body.Contains(token, StringComparison.Ordinal)).ToList();

    /// <summary>How to answer the n-th (1-based) request for alerts holding <paramref name="token"/>: a status code, possibly late.</summary>
    public void On(string token, Func<int, Task<int>> respond) => _behaviours[token] = respond;

    public Task Start()
    {
        var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/");
        listener.Start();
        _listener = listener;
        _loop = Task.Run(() => Accept(listener));
        return Task.CompletedTask;
    }

    /// <summary>Stops listening: new connections are refused (the receiver is down).</summary>
    public async Task Stop()
    {
        if (_listener is null) return;
        _listener.Close();
        _listener = null;
        if (_loop is not null) await _loop;
    }

    public ValueTask DisposeAsync() => new(Stop());

    private async Task Accept(HttpListener listener)
    {
        while (listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // closed
            }
            _ = Task.Run(() => Receive(context));
        }
    }

    private async Task Receive(HttpListenerContext context)
    {
        try
        {
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var timestamp = context.Request.Headers["X-TradingPlatform-Timestamp"];
            var signature = context.Request.Headers["X-TradingPlatform-Signature"];
            _received.Enqueue(new ReceivedWebhook(context.Request.Headers["X-TradingPlatform-Delivery"], context.Request.Headers["X-TradingPlatform-Event"],
                context.Request.Headers["X-TradingPlatform-Attempt"], timestamp, signature, body, Verify(timestamp, body, signature)));

            var status = 200;
            foreach (var (token, respond) in _behaviours)
            {
                if (!body.Contains(token, StringComparison.Ordinal)) continue;
                status = await respond(_counts.AddOrUpdate(token, 1, (_, n) => n + 1));
                break;
            }
            context.Response.StatusCode = status;
            context.Response.Close();
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
        {
            // The client gave up (timeout) or the listener closed: nothing to answer.
        }
    }

    /// <summary>The documented scheme, written out independently: sha256=hex(HMAC-SHA256(secret, "{timestamp}.{body}")), timestamp within 5 minutes.</summary>
    private static bool Verify(string? timestamp, string body, string? signature)
    {
        if (timestamp is null || signature is null || !long.TryParse(timestamp, CultureInfo.InvariantCulture, out var seconds)) return false;
        if (Math.Abs(DateTimeOffset.UtcNow.ToUnixTimeSeconds() - seconds) > 300) return false;
        using var hmac = new HMACSHA256(Encoding.UTF8.GetBytes(Secret));
        var expected = "sha256=" + Convert.ToHexString(hmac.ComputeHash(Encoding.UTF8.GetBytes($"{timestamp}.{body}"))).ToLowerInvariant();
        return CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(signature));
    }
}
