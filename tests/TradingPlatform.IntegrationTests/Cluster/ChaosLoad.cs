using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Cluster;

/// <summary>What one HTTP attempt came to, as a client sees it.</summary>
public static class ChaosOutcome
{
    public const string Ok = "ok";

    /// <summary>503 with problem details and <c>Retry-After</c>: the platform's promise for a transient cluster fault.</summary>
    public const string Unavailable = "503";

    /// <summary>No answer within the client's attempt timeout; the client retries with the same idempotency key.</summary>
    public const string Timeout = "client timeout";

    /// <summary>The TCP connection to the API node failed (no API node is killed here, so never expected).</summary>
    public const string Connection = "connection error";
}

/// <summary>One HTTP attempt, timed on the load's clock (seconds since the load started).</summary>
/// <param name="Key">The strategy an order or read was for, the fill id of a fill, the symbols of ticks.</param>
public sealed record ChaosAttempt(string Node, string Operation, string Key, double Start, double End, string Outcome)
{
    public bool Ok => Outcome == ChaosOutcome.Ok;
}

/// <summary>An order the API acknowledged (201), with what it said.</summary>
public sealed record ChaosOrder(string StrategyId, string Symbol, string Side, decimal Quantity, string ClientOrderId,
    DateTimeOffset FirstSentUtc, string OrderId, string Status, string? RejectReason, int Attempts);

/// <summary>An external fill the API acknowledged (201 new, 200 already journaled) and the position sequence it was given.</summary>
public sealed record ChaosFill(string FillId, string StrategyId, string Symbol, decimal Signed, long Sequence, HttpStatusCode Status, int Attempts);

/// <param name="OrderWorkersPerNode">Concurrent order senders per API node (fills, ticks and reads get one each per node).</param>
/// <param name="AttemptTimeout">How long a client waits for one answer before it gives up and retries.</param>
/// <param name="RetryFor">How long a client keeps retrying one order or fill before the test fails it as lost.</param>
/// <param name="Pause">Pause between two operations of one worker: a steady flood that leaves the two shared cores to the cluster's failure detector.</param>
public sealed record ChaosLoadOptions(int OrderWorkersPerNode, TimeSpan AttemptTimeout, TimeSpan RetryFor, TimeSpan Pause);

/// <summary>
/// Clients of a trading cluster, spread over its API nodes, as real callers behave during a failover:
/// orders (unique <c>clientOrderId</c>s) and external fills (unique <c>fillId</c>s) are retried with the
/// SAME key after a 503 or a client timeout until acknowledged, because the first attempt may have landed;
/// ticks and reads are fire-and-count. Every attempt is recorded with its outcome; anything a client must
/// never see (a 500, a 4xx, a 503 without problem details, a broken connection) is kept as a violation
/// instead of stopping the flood, so the run goes on and the test reports all of them.
/// </summary>
public sealed class ChaosLoad(IReadOnlyList<(string Name, HttpClient Http)> nodes, IReadOnlyList<string> strategies,
    IReadOnlyList<string> symbols, ChaosLoadOptions options, string tag)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentQueue<ChaosAttempt> _attempts = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private readonly ConcurrentDictionary<string, ChaosOrder> _orders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ChaosFill> _fills = new(StringComparer.Ordinal);
    private readonly Dictionary<string, decimal> _prices = symbols.ToDictionary(s => s, _ => 100m, StringComparer.Ordinal);
    private readonly Random _random = new(7);
    private long _next;
    private long _haltedAtTicks;

    /// <summary>Seconds since the load was created: the time line faults are recorded on.</summary>
    public double Now => _clock.Elapsed.TotalSeconds;

    public IReadOnlyCollection<ChaosAttempt> Attempts => _attempts;
    public IReadOnlyCollection<string> Violations => _violations;
    public IReadOnlyDictionary<string, ChaosOrder> Orders => _orders;
    public IReadOnlyDictionary<string, ChaosFill> Fills => _fills;

    /// <summary>When the kill switch's Engage for the halted strategy returned (200 received); null before.</summary>
    public DateTimeOffset? HaltedAtUtc
    {
        get
        {
            var ticks = Interlocked.Read(ref _haltedAtTicks);
            return ticks == 0 ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
        }
        set => Interlocked.Exchange(ref _haltedAtTicks, value?.UtcTicks ?? 0);
    }

    /// <summary>Runs every worker until <paramref name="stop"/>; an operation under way finishes (acknowledged or failed as lost) first.</summary>
    public Task Run(CancellationToken stop)
    {
        var workers = new List<Task>();
        foreach (var node in nodes)
        {
            for (var w = 0; w < options.OrderWorkersPerNode; w++) workers.Add(Loop(() => PlaceOrder(node), stop));
            workers.Add(Loop(() => ReportFill(node), stop));
            workers.Add(Loop(() => SendTicks(node), stop));
            workers.Add(Loop(() => Read(node), stop));
        }
        return Task.WhenAll(workers);
    }

    private async Task Loop(Func<Task> operation, CancellationToken stop)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            await operation();
            try
            {
                await Task.Delay(options.Pause, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task PlaceOrder((string Name, HttpClient Http) node)
    {
        var k = Interlocked.Increment(ref _next);
        var strategy = strategies[(int)(k % strategies.Count)];
        var symbol = symbols[(int)(k / strategies.Count % symbols.Count)];
        var side = k / (strategies.Count * symbols.Count) % 2 == 0 ? "buy" : "sell";
        var quantity = 1 + k % 3;
        var clientOrderId = $"chaos-{tag}-o{k.ToString("D7", CultureInfo.InvariantCulture)}";
        var firstSent = DateTimeOffset.UtcNow;
        var (body, attempts) = await Acknowledged(node, "order", strategy, clientOrderId, () => Json.Body(new
        {
            strategyId = strategy,
            symbol,
            side,
            quantity,
            type = "market",
            clientOrderId,
        }), "/v1/orders", HttpStatusCode.Created);
        if (body is null) return;
        var order = new ChaosOrder(strategy, symbol, side, quantity, clientOrderId, firstSent, (string)body["orderId"]!,
            (string)body["status"]!, (string?)body["rejectReason"], attempts);
        if (order.StrategyId != (string?)body["strategyId"] || order.ClientOrderId != (string?)body["clientOrderId"])
            Violation($"order {clientOrderId}: the answer is another order's: {Shorten(body.ToJsonString())}");
        if (!_orders.TryAdd(clientOrderId, order)) Violation($"order {clientOrderId} acknowledged twice");
    }

    private async Task ReportFill((string Name, HttpClient Http) node)
    {
        var k = Interlocked.Increment(ref _next);
        var strategy = strategies[(int)(k % strategies.Count)];
        var symbol = symbols[(int)(k / strategies.Count % symbols.Count)];
        var buy = k % 2 == 0;
        var quantity = 1 + k % 4;
        var fillId = $"chaos-{tag}-f{k.ToString("D7", CultureInfo.InvariantCulture)}";
        var timestamp = DateTimeOffset.UtcNow;
        var (body, attempts, status) = await AcknowledgedWithStatus(node, "fill", fillId, fillId, () => Json.Body(new
        {
            fillId,
            strategyId = strategy,
            symbol,
            side = buy ? "buy" : "sell",
            quantity,
            price = 100m + k % 50 / 10m,
            fee = 0m,
            timestamp,
        }), "/v1/fills", HttpStatusCode.Created, HttpStatusCode.OK);
        if (body is null) return;
        if ((string?)body["fillId"] != fillId) Violation($"fill {fillId}: the answer is another fill's: {Shorten(body.ToJsonString())}");
        var fill = new ChaosFill(fillId, strategy, symbol, buy ? quantity : -quantity, (long)body["sequence"]!, status, attempts);
        if (!_fills.TryAdd(fillId, fill)) Violation($"fill {fillId} acknowledged twice");
    }

    private async Task SendTicks((string Name, HttpClient Http) node)
    {
        object[] ticks;
        lock (_prices)
        {
            ticks = symbols.Select(symbol =>
            {
                var price = Math.Clamp(_prices[symbol] + _random.Next(-20, 21) / 100m, 90m, 110m);
                _prices[symbol] = price;
                return (object)new { symbol, price, timestamp = DateTimeOffset.UtcNow };
            }).ToArray();
        }
        await Attempt(node, "tick", string.Join(',', symbols), (http, token) => http.PostAsync(Relative("/v1/market/ticks"), Json.Body(ticks), token), HttpStatusCode.OK);
    }

    /// <summary>Idempotent reads: one attempt each; only 200 or a retriable 503 is allowed.</summary>
    private async Task Read((string Name, HttpClient Http) node)
    {
        var k = Interlocked.Increment(ref _next);
        var strategy = strategies[(int)(k % strategies.Count)];
        var path = k % 2 == 0 ? $"/v1/strategies/{strategy}" : $"/v1/positions/{strategy}/{symbols[(int)(k / 2 % symbols.Count)]}";
        var (outcome, body) = await Attempt(node, k % 2 == 0 ? "read strategy" : "read position", strategy,
            (http, token) => http.GetAsync(Relative(path), token), HttpStatusCode.OK);
        if (outcome == ChaosOutcome.Ok && (string?)body?["strategyId"] != strategy && (string?)body?["id"] != strategy)
            Violation($"GET {path} answered for someone else: {Shorten(body?.ToJsonString() ?? "")}");
    }

    /// <summary>
    /// Halts one strategy through the kill switch on <paramref name="node"/>, retrying like any client, and
    /// records when the 200 arrived: from then on no order of that strategy may be accepted.
    /// </summary>
    public async Task<(DateTimeOffset SentUtc, DateTimeOffset EngagedUtc)> Halt((string Name, HttpClient Http) node, string strategyId)
    {
        var sent = DateTimeOffset.UtcNow;
        var (body, _) = await Acknowledged(node, "kill switch", strategyId, $"halt {strategyId}",
            () => Json.Body(new { scope = $"strategy:{strategyId}", state = "halted", reason = "chaos test: halt during failover" }),
            "/v1/controls/kill-switch", HttpStatusCode.OK);
        var engaged = DateTimeOffset.UtcNow;
        if (body is null) throw new InvalidOperationException($"The kill switch for {strategyId} was never engaged: {string.Join("; ", _violations)}");
        HaltedAtUtc = engaged;
        return (sent, engaged);
    }

    private async Task<(JsonNode? Body, int Attempts)> Acknowledged((string Name, HttpClient Http) node, string operation, string key,
        string idempotencyKey, Func<HttpContent> content, string path, params HttpStatusCode[] ok)
    {
        var (body, attempts, _) = await AcknowledgedWithStatus(node, operation, key, idempotencyKey, content, path, ok);
        return (body, attempts);
    }

    /// <summary>POSTs until acknowledged, resending the same body (same idempotency key) after a 503 or a client timeout.</summary>
    private async Task<(JsonNode? Body, int Attempts, HttpStatusCode Status)> AcknowledgedWithStatus((string Name, HttpClient Http) node,
        string operation, string key, string idempotencyKey, Func<HttpContent> content, string path, params HttpStatusCode[] ok)
    {
        var started = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            HttpStatusCode status = default;
            var (outcome, body) = await Attempt(node, operation, key, async (http, token) =>
            {
                var response = await http.PostAsync(Relative(path), content(), token);
                status = response.StatusCode;
                return response;
            }, ok);
            if (outcome == ChaosOutcome.Ok) return (body, attempt, status);
            if (outcome is not (ChaosOutcome.Unavailable or ChaosOutcome.Timeout or ChaosOutcome.Connection)) return (null, attempt, status);
            if (started.Elapsed > options.RetryFor)
            {
                Violation($"{operation} {idempotencyKey} not acknowledged within {options.RetryFor.TotalSeconds:0} s ({attempt} attempts, last: {outcome})");
                return (null, attempt, status);
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>One attempt: records it and classifies the answer; anything but success, a proper 503 or a timeout is a violation.</summary>
    private async Task<(string Outcome, JsonNode? Body)> Attempt((string Name, HttpClient Http) node, string operation, string key,
        Func<HttpClient, CancellationToken, Task<HttpResponseMessage>> send, params HttpStatusCode[] ok)
    {
        var start = Now;
        string outcome;
        JsonNode? body = null;
        using var timeout = new CancellationTokenSource(options.AttemptTimeout);
        try
        {
            using var response = await send(node.Http, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (ok.Contains(response.StatusCode))
            {
                outcome = ChaosOutcome.Ok;
                body = JsonNode.Parse(text);
            }
            else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                outcome = ChaosOutcome.Unavailable;
                if (!IsRetriableProblem(response, text)) Violation($"{operation} {key} on {node.Name}: 503 without problem details or Retry-After: {Shorten(text)}");
            }
            else
            {
                outcome = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
                Violation($"{operation} {key} on {node.Name}: {(int)response.StatusCode} {Shorten(text)}");
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            outcome = ChaosOutcome.Timeout;
        }
        catch (HttpRequestException e)
        {
            outcome = ChaosOutcome.Connection;
            Violation($"{operation} {key} on {node.Name}: {e.GetType().Name} {e.Message}");
        }
        _attempts.Enqueue(new ChaosAttempt(node.Name, operation, key, start, Now, outcome));
        return (outcome, body);
    }

    /// <summary>The 503 the API promises for transient faults: problem details (status 503, a title) and Retry-After.</summary>
    private static bool IsRetriableProblem(HttpResponseMessage response, string text)
    {
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json" || response.Headers.RetryAfter is null) return false;
        try
        {
            var problem = JsonNode.Parse(text);
            return (int?)problem?["status"] == 503 && !string.IsNullOrEmpty((string?)problem["title"]);
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private void Violation(string message) => _violations.Enqueue($"[{Now:0.000} s] {message}");

    private static Uri Relative(string path) => new(path, UriKind.Relative);

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
