using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using TradingPlatform.Candles;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>
/// One stream of the mixed load: a kind of work started at a fixed rate (per second, before <c>--rate</c>), with at most
/// <paramref name="MaxInFlight"/> at once.
/// </summary>
public sealed record SoakWorkload(string Name, double PerSecond, Func<CancellationToken, Task> Once, int MaxInFlight = 4);

/// <summary>
/// The mixed load of the soak, at fixed rates so that resource use is comparable over time: every stream starts its
/// work on a fixed schedule with a small bound on how many are in flight (a slot that finds the bound reached is
/// skipped and counted, never made up in a burst), so the load is bounded whatever the server does. Orders (market and limit with clientOrderIds, repeated clientOrderIds, orders refused
/// by risk, cancels), ticks, external fills (and repeated fillIds), reads of strategies, positions, orders, fills,
/// summary and market, <c>GET /v1/candles</c>, a backtest run now and then (polled to its end, results read),
/// token refreshes, and bad requests with the 4xx each must get. The resting book is bounded too: each strategy has at
/// most <see cref="RestingCap"/> limit orders the client has not cancelled and not seen filled (see <see cref="LimitOrder"/>).
/// </summary>
public sealed class SoakLoad(SoakHttp http, SoakCounters counters, string tag)
{
    public static readonly string[] Symbols = ["SOKA", "SOKB", "SOKC", "SOKD"];
    public const string CandleSymbol = "SOAKBT";
    public const int CandleBars = 10_000;
    public const decimal MaxOrderQuantity = 100;
    public static readonly DateTime CandleStart = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>
    /// Limit orders per strategy the client may leave resting. Most limit orders rest when placed (their price is on
    /// the passive side) and many rest for minutes, since the price walks at random: without a cap the client would
    /// add about 115 resting orders a minute, state the platform must keep for as long as the client keeps adding
    /// it, and the soak would judge the client's growth, not the platform's.
    /// </summary>
    public const int RestingCap = 20;

    private readonly Random _random = new(7);
    private readonly Dictionary<string, decimal> _prices = Symbols.ToDictionary(s => s, _ => 100m, StringComparer.Ordinal);
    private readonly ConcurrentQueue<object> _placedOrders = new();
    private readonly Dictionary<string, Queue<string>> _resting = new(StringComparer.Ordinal); // per strategy, oldest first; under its own lock
    private readonly ConcurrentQueue<object> _recordedFills = new();
    private readonly List<string> _manual = [];
    private string? _refreshToken;
    private long _sequence;

    public IReadOnlyList<string> Strategies => _manual;

    public string SignalStrategy => $"soak-{tag}-sma";

    /// <summary>Logs in, creates the strategies (4 manual ones on every symbol, one running sma_cross), first ticks, candles for backtests.</summary>
    public async Task Setup(string user, string password, CancellationToken cancellationToken)
    {
        await Login(user, password, cancellationToken);
        var risk = new { maxOrderQuantity = MaxOrderQuantity, maxPositionQuantity = 1_000m, maxNotional = 1_000_000m, maxDailyLoss = 1_000_000_000m };
        for (var i = 1; i <= 4; i++)
        {
            var id = $"soak-{tag}-m{i}";
            await Must("setup", HttpMethod.Post, "/v1/strategies", new { id, name = "soak manual " + i, kind = "manual", symbols = Symbols, parameters = new { }, risk }, HttpStatusCode.Created, cancellationToken);
            _manual.Add(id);
            _resting[id] = new Queue<string>();
        }
        await Must("setup", HttpMethod.Post, "/v1/strategies",
            new { id = SignalStrategy, name = "soak sma", kind = "sma_cross", symbols = new[] { Symbols[0] }, parameters = new { fast = 5, slow = 20, quantity = 1 }, risk },
            HttpStatusCode.Created, cancellationToken);
        await Must("setup", HttpMethod.Patch, $"/v1/strategies/{SignalStrategy}", new { status = "running" }, HttpStatusCode.OK, cancellationToken);
        await Ticks(cancellationToken);

        var csv = new StringBuilder();
        using (var writer = new StringWriter(csv, CultureInfo.InvariantCulture))
            CandleCsvWriter.Write(writer, CandleSymbol, Timeframe.OneMinute, SyntheticCandles.Generate(11, CandleStart, Timeframe.OneMinute, CandleBars));
        var answer = await http.Send("setup", HttpMethod.Post, "/v1/candles/import", new StringContent(csv.ToString(), Encoding.UTF8, "text/csv"), cancellationToken,
            expected: HttpStatusCode.OK) ?? throw new InvalidOperationException("candle import failed (see above)");
        if (answer.Json()?["imported"]?.GetValue<long>() != CandleBars) throw new InvalidOperationException("candle import: " + SoakHttp.Shorten(answer.Body));
    }

    private async Task Login(string user, string password, CancellationToken cancellationToken)
    {
        var answer = await http.Send("setup", HttpMethod.Post, "/v1/auth/login", SoakHttp.JsonBody(new { username = user, password }), cancellationToken,
            anonymous: true, expected: HttpStatusCode.OK) ?? throw new InvalidOperationException("login failed (see above)");
        var json = answer.Json()!;
        http.Token = json["accessToken"]!.GetValue<string>();
        _refreshToken = json["refreshToken"]!.GetValue<string>();
    }

    private async Task Must(string kind, HttpMethod method, string path, object body, HttpStatusCode status, CancellationToken cancellationToken)
    {
        if (await http.Send(kind, method, path, SoakHttp.JsonBody(body), cancellationToken, expected: status) is null)
            throw new InvalidOperationException($"{method} {path} failed (see above)");
    }

    /// <summary>The streams and their rates per second (about 25 requests/s in all at --rate 1).</summary>
    public IReadOnlyList<SoakWorkload> Streams() =>
    [
        new("order market", 3, MarketOrder),
        new("order limit", 2, LimitOrder),
        new("order repeated clientOrderId", 0.5, RepeatOrder),
        new("order refused by risk", 0.5, RiskOrder),
        new("order cancel", 0.5, CancelOrder),
        new("ticks", 2, Ticks),
        new("fill external", 1, ExternalFill),
        new("fill repeated fillId", 0.25, RepeatFill),
        new("read strategies", 0.5, ct => Read("read strategies", "/v1/strategies?per_page=50", ct)),
        new("read strategy", 1, ReadStrategy),
        new("read positions", 1, ct => Read("read positions", $"/v1/positions?strategyId={Pick(_manual)}", ct)),
        new("read summary", 1, ct => Read("read summary", "/v1/metrics/summary", ct)),
        new("read orders", 0.5, ct => Read("read orders", $"/v1/orders?strategyId={Pick(_manual)}&per_page=20", ct)),
        new("read fills", 0.5, ct => Read("read fills", "/v1/fills?per_page=20", ct)),
        new("read market", 0.5, ct => Read("read market", $"/v1/market/{Pick(Symbols)}", ct)),
        new("read status", 0.2, ct => Read("read status", "/v1/system/status", ct)),
        new("candles", 1, Candles),
        new("backtest", 1.0 / 30, Backtest, MaxInFlight: 1),
        new("token refresh", 1.0 / 60, Refresh, MaxInFlight: 1),
        new("bad request", 1, BadRequest),
    ];

    private string Pick(IReadOnlyList<string> items)
    {
        lock (_random) return items[_random.Next(items.Count)];
    }

    private int Next(int min, int max)
    {
        lock (_random) return _random.Next(min, max);
    }

    private string NewId(string prefix) => Text.I($"{prefix}-{tag}-{Interlocked.Increment(ref _sequence)}");

    private decimal Price(string symbol)
    {
        lock (_prices) return _prices[symbol];
    }

    private async Task MarketOrder(CancellationToken cancellationToken)
    {
        var body = new { strategyId = Pick(_manual), symbol = Pick(Symbols), side = Next(0, 2) == 0 ? "buy" : "sell", quantity = (decimal)Next(1, 6), type = "market", clientOrderId = NewId("mo") };
        var answer = await http.Send("order market", HttpMethod.Post, "/v1/orders", SoakHttp.JsonBody(body), cancellationToken, expected: HttpStatusCode.Created);
        if (answer is null) return;
        Remember(_placedOrders, body, 200);
        CountStatus(answer);
    }

    /// <summary>
    /// A limit order 0–0.3 % on the passive side: most rest a while, then fill on a later tick. When it rests and its
    /// strategy already has <see cref="RestingCap"/> orders the client left resting, the oldest of them is cancelled
    /// (409 when a tick filled it first), so the resting book stays bounded whatever the prices do.
    /// </summary>
    private async Task LimitOrder(CancellationToken cancellationToken)
    {
        var symbol = Pick(Symbols);
        var buy = Next(0, 2) == 0;
        var offset = Price(symbol) * Next(0, 30) / 10_000m;
        var limit = decimal.Round(buy ? Price(symbol) - offset : Price(symbol) + offset, 2);
        var strategy = Pick(_manual);
        var body = new { strategyId = strategy, symbol, side = buy ? "buy" : "sell", quantity = (decimal)Next(1, 6), type = "limit", limitPrice = limit, clientOrderId = NewId("lo") };
        var answer = await http.Send("order limit", HttpMethod.Post, "/v1/orders", SoakHttp.JsonBody(body), cancellationToken, expected: HttpStatusCode.Created);
        if (answer is null) return;
        Remember(_placedOrders, body, 200);
        CountStatus(answer);
        var json = answer.Json();
        if (json?["status"]?.GetValue<string>() is not ("open" or "partially_filled") || json["orderId"]?.GetValue<string>() is not { } orderId) return;
        var resting = _resting[strategy];
        string? oldest = null;
        lock (resting)
        {
            resting.Enqueue(orderId);
            if (resting.Count > RestingCap) oldest = resting.Dequeue();
        }
        if (oldest is not null) await Cancel("order resting cap: cancel oldest", oldest, cancellationToken);
    }

    private void CountStatus(SoakAnswer answer)
    {
        var json = answer.Json();
        var status = json?["status"]?.GetValue<string>() ?? "?";
        var reason = json?["rejectReason"]?.GetValue<string>();
        counters.Count(reason is null ? $"order status {status}" : $"order status {status} ({reason})");
    }

    private async Task RepeatOrder(CancellationToken cancellationToken)
    {
        var body = Sample(_placedOrders);
        if (body is null) return;
        var answer = await http.Send("order repeated clientOrderId", HttpMethod.Post, "/v1/orders", SoakHttp.JsonBody(body), cancellationToken, expected: HttpStatusCode.Created);
        if (answer is not null && !(answer.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true")))
            counters.Error(ErrorKind.Contract, "a repeated clientOrderId was answered without Idempotent-Replayed: true");
    }

    private async Task RiskOrder(CancellationToken cancellationToken)
    {
        var body = new { strategyId = Pick(_manual), symbol = Pick(Symbols), side = "buy", quantity = MaxOrderQuantity * 5, type = "market", clientOrderId = NewId("ro") };
        var answer = await http.Send("order refused by risk", HttpMethod.Post, "/v1/orders", SoakHttp.JsonBody(body), cancellationToken, expected: HttpStatusCode.Created);
        var json = answer?.Json();
        if (answer is not null && (json?["status"]?.GetValue<string>() != "rejected" || json["rejectReason"]?.GetValue<string>() != "max_order_quantity"))
            counters.Error(ErrorKind.Contract, "an order over maxOrderQuantity was not rejected with max_order_quantity: " + SoakHttp.Shorten(answer.Body));
    }

    /// <summary>Cancels the oldest order a strategy (picked at random) was left resting with.</summary>
    private async Task CancelOrder(CancellationToken cancellationToken)
    {
        var resting = _resting[Pick(_manual)];
        string? orderId;
        lock (resting)
        {
            if (!resting.TryDequeue(out orderId)) return;
        }
        await Cancel("order cancel", orderId, cancellationToken);
    }

    /// <summary>200 when it was still open; 409 when a tick filled it first.</summary>
    private Task<SoakAnswer?> Cancel(string kind, string orderId, CancellationToken cancellationToken) =>
        http.Send(kind, HttpMethod.Delete, $"/v1/orders/{orderId}", null, cancellationToken, expected: [HttpStatusCode.OK, HttpStatusCode.Conflict]);

    private async Task Ticks(CancellationToken cancellationToken)
    {
        var now = DateTimeOffset.UtcNow;
        object[] batch;
        lock (_prices)
        {
            foreach (var symbol in Symbols)
            {
                // A bounded random walk: ±0.1 % a tick, kept within 90–110 so that limit prices stay inside the 10 % collar.
                var next = _prices[symbol] * (1 + (_random.Next(-10, 11) / 10_000m));
                _prices[symbol] = Math.Clamp(decimal.Round(next, 2), 90m, 110m);
            }
            batch = Symbols.Select(s => (object)new { symbol = s, price = _prices[s], timestamp = now }).ToArray();
        }
        await http.Send("ticks", HttpMethod.Post, "/v1/market/ticks", SoakHttp.JsonBody(batch), cancellationToken, expected: HttpStatusCode.OK);
    }

    private async Task ExternalFill(CancellationToken cancellationToken)
    {
        var symbol = Pick(Symbols);
        var body = new
        {
            fillId = NewId("xf"), strategyId = Pick(_manual), symbol, side = Next(0, 2) == 0 ? "buy" : "sell", quantity = (decimal)Next(1, 4),
            price = Price(symbol), fee = 0.01m, timestamp = DateTimeOffset.UtcNow,
        };
        if (await http.Send("fill external", HttpMethod.Post, "/v1/fills", SoakHttp.JsonBody(body), cancellationToken, expected: HttpStatusCode.Created) is not null)
            Remember(_recordedFills, body, 200);
    }

    private async Task RepeatFill(CancellationToken cancellationToken)
    {
        var body = Sample(_recordedFills);
        if (body is null) return;
        // A known fillId: 200 with the stored fill, never applied twice.
        await http.Send("fill repeated fillId", HttpMethod.Post, "/v1/fills", SoakHttp.JsonBody(body), cancellationToken, expected: HttpStatusCode.OK);
    }

    /// <summary>Reads a strategy and keeps the largest number of open orders seen: the resting book the cap bounds, as the server counts it.</summary>
    private async Task ReadStrategy(CancellationToken cancellationToken)
    {
        var answer = await Read("read strategy", $"/v1/strategies/{Pick(_manual)}", cancellationToken);
        if (answer?.Json()?["openOrders"]?.GetValue<int>() is { } open) counters.Peak("open orders of one strategy, most seen (read strategy)", open);
    }

    private Task<SoakAnswer?> Read(string kind, string path, CancellationToken cancellationToken) =>
        http.Send(kind, HttpMethod.Get, path, null, cancellationToken, expected: HttpStatusCode.OK);

    private async Task Candles(CancellationToken cancellationToken)
    {
        var timeframe = Pick(["1m", "5m", "1h"]);
        var from = CandleStart.AddMinutes(Next(0, CandleBars - 500)).ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var answer = await http.Send("candles", HttpMethod.Get, $"/v1/candles?symbol={CandleSymbol}&timeframe={timeframe}&from={from}&limit=500", null, cancellationToken,
            expected: HttpStatusCode.OK);
        if (answer is not null && answer.Json()?["items"]?.AsArray().Count is not > 0)
            counters.Error(ErrorKind.Contract, $"GET /v1/candles {timeframe} from {from} returned no bars");
    }

    private Task Backtest(CancellationToken cancellationToken) => RunBacktest("backtest", cancellationToken);

    /// <summary>A backtest like the stream's, counted apart: the warm-up runs them to put an event on every stream queue (see <c>SoakBench.PrimeStreamQueues</c>).</summary>
    public Task PrimingBacktest(CancellationToken cancellationToken) => RunBacktest("priming backtest", cancellationToken);

    private async Task RunBacktest(string kind, CancellationToken cancellationToken)
    {
        var body = new
        {
            strategy = new { kind = "sma_cross", parameters = new { fast = Next(5, 15), slow = Next(30, 60), quantity = 10 } },
            symbol = CandleSymbol, timeframe = "1m", from = CandleStart, to = CandleStart.AddMinutes(CandleBars),
            initialCapital = 100_000m, feeBps = 1m, slippageBps = 1m,
        };
        var created = await http.Send($"{kind} create", HttpMethod.Post, "/v1/runs", SoakHttp.JsonBody(body), cancellationToken, expected: HttpStatusCode.Accepted);
        var id = created?.Json()?["id"]?.GetValue<string>();
        if (id is null) return;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        string? status = null;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(1_000, cancellationToken);
            var run = await http.Send($"{kind} poll", HttpMethod.Get, $"/v1/runs/{id}", null, cancellationToken, expected: HttpStatusCode.OK);
            status = run?.Json()?["status"]?.GetValue<string>();
            if (status is "completed" or "failed" or "cancelled") break;
        }
        counters.Count($"{kind} {status ?? "unknown"}");
        if (status != "completed")
        {
            counters.Error(ErrorKind.BacktestFailed, $"run {id} ended {status ?? "without a status"} (or not within 120 s)");
            return;
        }
        await http.Send($"{kind} results", HttpMethod.Get, $"/v1/runs/{id}/results?per_page=50", null, cancellationToken, expected: HttpStatusCode.OK);
    }

    private async Task Refresh(CancellationToken cancellationToken)
    {
        var answer = await http.Send("token refresh", HttpMethod.Post, "/v1/auth/refresh", SoakHttp.JsonBody(new { refreshToken = _refreshToken }), cancellationToken,
            anonymous: true, expected: HttpStatusCode.OK);
        var json = answer?.Json();
        if (json?["accessToken"]?.GetValue<string>() is { } access && json["refreshToken"]?.GetValue<string>() is { } refresh)
        {
            http.Token = access;
            _refreshToken = refresh;
        }
    }

    private int _bad;

    /// <summary>Requests that must be refused, each with its own 4xx and a problem+json body; another answer is an error.</summary>
    private Task<SoakAnswer?> BadRequest(CancellationToken cancellationToken)
    {
        const string kind = "bad request (expected 4xx)";
        return (Interlocked.Increment(ref _bad) % 7) switch
        {
            0 => http.Send(kind, HttpMethod.Post, "/v1/orders", new StringContent("{\"strategyId\": \"x\", ", Encoding.UTF8, "application/json"), cancellationToken,
                expected: HttpStatusCode.BadRequest),
            1 => http.Send(kind, HttpMethod.Get, $"/v1/strategies/{NewId("missing")}", null, cancellationToken, expected: HttpStatusCode.NotFound),
            2 => http.Send(kind, HttpMethod.Post, "/v1/orders",
                SoakHttp.JsonBody(new { strategyId = NewId("missing"), symbol = "SOKA", side = "buy", quantity = 1m, type = "market", clientOrderId = NewId("bo") }),
                cancellationToken, expected: HttpStatusCode.NotFound),
            3 => http.Send(kind, HttpMethod.Get, $"/v1/candles?symbol={CandleSymbol}&timeframe=7m", null, cancellationToken, expected: HttpStatusCode.BadRequest),
            4 => http.Send(kind, HttpMethod.Get, "/v1/positions", null, cancellationToken, anonymous: true, expected: HttpStatusCode.Unauthorized),
            5 => http.Send(kind, HttpMethod.Post, "/v1/fills",
                SoakHttp.JsonBody(new { fillId = NewId("bf"), strategyId = _manual[0], symbol = "SOKA", side = "buy", quantity = -1m, price = 100m, fee = 0m, timestamp = DateTimeOffset.UtcNow }),
                cancellationToken, expected: HttpStatusCode.BadRequest),
            _ => http.Send(kind, HttpMethod.Get, $"/v1/runs/{NewId("missing")}", null, cancellationToken, expected: HttpStatusCode.NotFound),
        };
    }

    private static void Remember<T>(ConcurrentQueue<T> queue, T item, int capacity)
    {
        queue.Enqueue(item);
        while (queue.Count > capacity && queue.TryDequeue(out _))
        {
        }
    }

    private T? Sample<T>(ConcurrentQueue<T> queue) where T : class
    {
        var items = queue.ToArray();
        return items.Length == 0 ? null : items[Next(0, items.Length)];
    }
}
