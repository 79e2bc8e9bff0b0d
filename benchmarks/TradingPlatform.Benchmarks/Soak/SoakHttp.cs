using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>An answer the client got: status, body and headers (the body read in full, within the timeout).</summary>
public sealed record SoakAnswer(HttpStatusCode Status, string Body, HttpResponseHeaders Headers, string? ContentType)
{
    public JsonNode? Json()
    {
        try
        {
            return JsonNode.Parse(Body);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>
/// Sends requests round robin over the API nodes with the current token, each bounded by
/// <see cref="SoakOptions.RequestTimeout"/>, and classifies every outcome into <see cref="SoakCounters"/>:
/// an expected status is fine, anything else (timeout, 5xx, another 4xx, a 4xx without problem details) is an error.
/// </summary>
public sealed class SoakHttp : IDisposable
{
    private readonly HttpClient _client;
    private readonly IReadOnlyList<Uri> _apis;
    private readonly SoakCounters _counters;
    private int _next;

    public SoakHttp(IReadOnlyList<Uri> apis, SoakCounters counters)
    {
        _apis = apis;
        _counters = counters;
        _client = new HttpClient(new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            MaxConnectionsPerServer = 32,
        })
        { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>The bearer token every request carries (swapped by the refresh stream).</summary>
    public string? Token { get; set; }

    public Uri NextApi() => _apis[(int)((uint)Interlocked.Increment(ref _next) % (uint)_apis.Count)];

    public static HttpContent JsonBody(object body) =>
        new StringContent(JsonSerializer.Serialize(body, JsonSerializerOptions.Web), Encoding.UTF8, "application/json");

    /// <summary>Sends; null when there was no HTTP answer (timeout, refused) or the status was not one of <paramref name="expected"/>.</summary>
    public async Task<SoakAnswer?> Send(string kind, HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken,
        bool anonymous = false, params HttpStatusCode[] expected)
    {
        using var request = new HttpRequestMessage(method, new Uri(NextApi(), path)) { Content = content };
        if (!anonymous && Token is { } token) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(SoakOptions.RequestTimeout);
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token);
            var body = await response.Content.ReadAsStringAsync(timeout.Token);
            var ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var status = (int)response.StatusCode;
            _counters.Request(kind, status.ToString(System.Globalization.CultureInfo.InvariantCulture), ms);
            var contentType = response.Content.Headers.ContentType?.MediaType;
            if (status >= 400 && contentType != "application/problem+json")
                _counters.Error(ErrorKind.NotProblemDetails, $"{kind} {method} {path} → {status} ({contentType})");
            if (expected.Contains(response.StatusCode)) return new SoakAnswer(response.StatusCode, body, response.Headers, contentType);
            var errorKind = status >= 500 ? ErrorKind.ServerError : status >= 400 ? ErrorKind.UnexpectedClientError : ErrorKind.UnexpectedStatus;
            _counters.Error(errorKind, $"{kind} {method} {path} → {status} {Shorten(body)}");
            return null;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException)
        {
            _counters.Request(kind, "timeout", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _counters.Error(ErrorKind.Timeout, $"{kind} {method} {path} after {SoakOptions.RequestTimeout.TotalSeconds:0} s");
            return null;
        }
        catch (HttpRequestException e)
        {
            _counters.Request(kind, "no answer", Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            _counters.Error(ErrorKind.Connection, $"{kind} {method} {path}: {e.Message}");
            return null;
        }
    }

    public static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "…";

    public void Dispose() => _client.Dispose();
}
