using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.Options;
using TradingPlatform.Hosting;

namespace TradingPlatform.Risk.Delivery;

/// <summary>
/// POSTs each alert as JSON to <c>Alerts:Webhook:Url</c>, signed (see <see cref="WebhookSignature"/>), with the
/// delivery id in <c>X-TradingPlatform-Delivery</c> so receivers can drop repeats. 2xx is delivered; 408, 429, 5xx,
/// timeouts and network errors are retried; any other answer is final.
/// </summary>
public sealed class WebhookNotifier : INotifier, IDisposable
{
    public const string NotifierName = "webhook";

    private readonly HttpClient _http;
    private readonly Uri _url;
    private readonly string _secret;
    private readonly TimeSpan _timeout;
    private readonly TimeProvider _clock;

    public WebhookNotifier(IOptions<AlertDeliveryOptions> options, TimeProvider clock)
    {
        var webhook = options.Value.Webhook;
        _url = new Uri(webhook.Url!, UriKind.Absolute);
        _secret = webhook.Secret!;
        _timeout = TimeSpan.FromSeconds(webhook.TimeoutSeconds);
        _clock = clock;
        _http = new HttpClient(new SocketsHttpHandler
        {
            ConnectTimeout = _timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            AllowAutoRedirect = false,
        })
        {
            Timeout = Timeout.InfiniteTimeSpan, // per attempt, below
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("TradingPlatform-Webhook", Platform.Version));
    }

    public string Name => NotifierName;

    public async Task<NotificationResult> Send(Notification notification, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var timestamp = _clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _url)
        {
            Content = new StringContent(notification.Payload, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookSignature.DeliveryHeader, notification.DeliveryId);
        request.Headers.Add(WebhookSignature.EventHeader, notification.Event);
        request.Headers.Add(WebhookSignature.AttemptHeader, notification.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookSignature.SignatureHeader, WebhookSignature.Sign(_secret, timestamp, notification.Payload));
        try
        {
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            if (status is >= 200 and < 300) return NotificationResult.Success(status);
            var retryable = status is 408 or 429 || status >= 500;
            return new NotificationResult(false, status, $"HTTP {status} {response.ReasonPhrase}".Trim(), retryable);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new NotificationResult(false, null, $"Timed out after {_timeout.TotalSeconds:0.#} s", true);
        }
        catch (HttpRequestException e)
        {
            return new NotificationResult(false, null, Describe(e), true);
        }
    }

    /// <summary>The failure without the URL (it may carry a token): e.g. "connection refused".</summary>
    private static string Describe(HttpRequestException e)
    {
        var socket = e.InnerException as System.Net.Sockets.SocketException ?? e.InnerException?.InnerException as System.Net.Sockets.SocketException;
        if (socket is not null) return $"Network error: {socket.SocketErrorCode}";
        return e.HttpRequestError == HttpRequestError.Unknown ? "Network error" : $"Network error: {e.HttpRequestError}";
    }

    public void Dispose() => _http.Dispose();
}
