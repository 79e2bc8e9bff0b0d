using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Npgsql;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Testing;
using Xunit.Abstractions;

namespace TradingPlatform.IntegrationTests.Cluster;

/// <summary>Stops a database under a flood of requests on a small machine: this runs alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PostgresOutageProcessCollection
{
    public const string Name = "postgres-outage-processes";
}

/// <summary>
/// The runbook's "PostgreSQL down" drill (docs/operations.md) as a test: a silo process and an API process on a
/// private PostgreSQL that is stopped (<c>pg_ctl stop -m fast</c>) for 10 s while clients flood orders and external
/// fills. While the database is down, everything that needs it must fail closed and retryably (503 problem details
/// with <c>Retry-After</c>, never 500, never a hang) and readiness must say so; after it is back, everything must
/// recover by itself, and every order and fill a client was told about must be in the journal exactly once.
/// </summary>
/// <remarks>
/// The private server matters: the shared test server (<c>TRADING_TEST_POSTGRES</c>) serves other tests at the
/// same time and must never be stopped. Statuses are asserted for every request; the only timing assertion is the
/// generous recovery bound, because a backend that never recovers without a restart is the failure this guards.
/// </remarks>
[Collection(PostgresOutageProcessCollection.Name)]
public sealed class PostgresOutageProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long the database stays down (issue 7: "stop Postgres for 10 s").</summary>
    private static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    /// <summary>Longer than a grain call's own timeout (10 s): a call the cluster gives up on must come back as 503, not hang the client.</summary>
    private static readonly TimeSpan ClientTimeout = TimeSpan.FromSeconds(15);

    /// <summary>Orders, fills, readiness, reads and logins all work again within this after the database is back.</summary>
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(30);

    /// <summary>A pause between retries; shorter than the advertised Retry-After (1 s) so that the outage sees a flood.</summary>
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(250);

    private const int Strategies = 8;
    private const int Clients = 4;
    private const int LoopsPerClient = 3;
    private const int WarmUpAcknowledgements = 150;
    private const string ProbeUser = "outage-probe";
    private const string ProbePassword = "outage-probe-password-1";
    private static readonly string[] Symbols = ["SPY", "QQQ"];

    private readonly List<HostProcess> _processes = [];
    private readonly string _clusterId = $"test-{Guid.NewGuid():N}"[..16];
    private readonly Stopwatch _clock = new();
    private readonly ConcurrentQueue<Attempt> _attempts = new();
    private readonly ConcurrentQueue<ReadinessSample> _readiness = new();
    private readonly ConcurrentDictionary<string, Ack> _acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<Work> _unacknowledged = new();
    private readonly ConcurrentQueue<string> _violations = new();
    private PrivatePostgres _postgres = null!;
    private volatile Timeline _timeline = new();
    private volatile bool _stopLoad;

    public async Task InitializeAsync() => _postgres = await PrivatePostgres.Create("pgdown");

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        await _postgres.DisposeAsync();
    }

    private enum Call
    {
        Order,
        Fill,
        JournalRead,
        Activation,
        Login,
    }

    private enum Phase
    {
        Before,
        Stopping,
        Down,
        Starting,
        After,
    }

    /// <summary>An order or a fill a client keeps sending (same id) until it is acknowledged.</summary>
    private sealed record Work(Call Call, string Id, string StrategyId, string Symbol, string Side, int Quantity, decimal Price);

    /// <summary>A 2xx answer: what the client was told, to be found in the journal.</summary>
    private sealed record Ack(Work Work, HttpStatusCode Status, bool Replayed, string? OrderId, decimal FilledQuantity, long Sequence);

    /// <summary>One request and its outcome: an HTTP status, or <c>timeout</c> / <c>no-connection</c>.</summary>
    private sealed record Attempt(Call Call, double SentAt, double AnsweredAt, string Outcome);

    private sealed record ReadinessSample(string Process, double SentAt, double AnsweredAt, string Outcome);

    /// <summary>Seconds on <see cref="_clock"/>: when the stop began and ended, when the start began and ended.</summary>
    private sealed record Timeline(double StopAt = double.MaxValue, double DownAt = double.MaxValue, double RestartAt = double.MaxValue, double BackAt = double.MaxValue)
    {
        /// <summary>"Down" holds only requests sent after the server was down and answered before it was started again.</summary>
        public Phase Of(double sentAt, double answeredAt) =>
            answeredAt < StopAt ? Phase.Before
            : sentAt >= BackAt ? Phase.After
            : sentAt >= DownAt && answeredAt <= RestartAt ? Phase.Down
            : sentAt < DownAt ? Phase.Stopping
            : Phase.Starting;
    }

    [Fact]
    public async Task Orders_and_fills_fail_closed_with_503_while_Postgres_is_down_and_recover_by_themselves_losing_nothing_acknowledged()
    {
        var started = Stopwatch.StartNew();
        var silo = Track(HostProcess.StartSilo("silo", _postgres.ConnectionString, _clusterId, FreePort.Next(), FreePort.Next()));
        var api = Track(HostProcess.StartApi("api", _postgres.ConnectionString, _clusterId));
        await Task.WhenAll(silo.WaitReady(StartTimeout), api.WaitReady(StartTimeout));
        output.WriteLine($"private PostgreSQL on port {_postgres.Port}, a silo and an API node ready in {started.Elapsed.TotalSeconds:0.0} s");

        var clients = new HttpClient[Clients];
        for (var i = 0; i < Clients; i++) clients[i] = await api.AdminClient();
        using var anonymous = new HttpClient { BaseAddress = api.BaseAddress };
        using var health = new HttpClient();
        using var stopProbes = new CancellationTokenSource();
        var running = new List<Task>();
        try
        {
            var admin = clients[0];
            var ids = new List<string>();
            for (var i = 0; i < Strategies; i++)
                ids.Add(await admin.CreateStrategy(Symbols, TradingClient.Risk(maxOrderQuantity: 1_000, maxPositionQuantity: 10_000_000, maxNotional: 1_000_000_000, maxDailyLoss: 1_000_000_000)));
            foreach (var symbol in Symbols) await admin.Tick(symbol, 100m);
            var user = await admin.PostJson("/v1/users", new { username = ProbeUser, password = ProbePassword, role = "viewer" });
            Assert.Equal(HttpStatusCode.Created, user.StatusCode);

            _clock.Start();
            var random = new Random(7);
            var next = 0;
            Work NewWork()
            {
                lock (random)
                {
                    var n = next++;
                    var call = random.Next(2) == 0 ? Call.Order : Call.Fill;
                    return new Work(call, $"{(call == Call.Order ? "po" : "pf")}{n:D6}-{Guid.NewGuid():N}"[..32], ids[random.Next(ids.Count)],
                        Symbols[random.Next(Symbols.Length)], random.Next(2) == 0 ? "buy" : "sell", random.Next(1, 11), 100m + random.Next(-500, 500) / 100m);
                }
            }

            var load = clients.SelectMany(c => Enumerable.Range(0, LoopsPerClient).Select(_ => Flood(c, NewWork))).ToList();
            var probes = new List<Task>
            {
                ProbeReadiness(health, silo, stopProbes.Token),
                ProbeReadiness(health, api, stopProbes.Token),
                ProbeOthers(admin, anonymous, ids[0], stopProbes.Token),
            };
            running.AddRange(load.Concat(probes));

            // Steady state first: the flood is acknowledged before anything breaks.
            await Eventually.True(() => Task.FromResult(_acknowledged.Count >= WarmUpAcknowledgements || load.Any(t => t.IsFaulted)),
                TimeSpan.FromSeconds(30), $"{WarmUpAcknowledgements} acknowledgements before the outage");
            Assert.DoesNotContain(load, t => t.IsFaulted);
            var ackedBefore = _acknowledged.Count;

            _timeline = _timeline with { StopAt = _clock.Elapsed.TotalSeconds };
            await _postgres.Stop();
            _timeline = _timeline with { DownAt = _clock.Elapsed.TotalSeconds };
            await Task.Delay(Outage);
            _timeline = _timeline with { RestartAt = _clock.Elapsed.TotalSeconds };
            await _postgres.Start();
            _timeline = _timeline with { BackAt = _clock.Elapsed.TotalSeconds };
            var t = _timeline;
            output.WriteLine($"PostgreSQL stop took {t.DownAt - t.StopAt:0.00} s, down {t.RestartAt - t.DownAt:0.0} s, start took {t.BackAt - t.RestartAt:0.00} s; {ackedBefore} acknowledged before the stop");

            // Keep flooding until every kind of request works again, then a little longer.
            RecoveryTimes recovery;
            try
            {
                recovery = await Eventually.Get(() => Task.FromResult(Recovery()), r => r.Complete, RecoveryBound,
                    "orders, fills, readiness of both processes, journal reads and logins work again after PostgreSQL is back");
            }
            catch (TimeoutException)
            {
                Report(Recovery());
                throw;
            }
            await Task.Delay(TimeSpan.FromSeconds(2));
            _stopLoad = true;
            await Task.WhenAll(load);
            await stopProbes.CancelAsync();
            await Task.WhenAll(probes);
            Assert.False(silo.HasExited, "the silo exited during the outage");
            Assert.False(api.HasExited, "the API node exited during the outage");

            Report(recovery);

            // Every answer was a success or a retryable 503 problem: never 500, another 5xx, a hang or a refused connection.
            Assert.True(_violations.IsEmpty, "responses that break the contract:\n" + string.Join('\n', _violations.Take(20)) +
                "\n--- what the API node logged for its 500s ---\n" + string.Join('\n', api.Output().Split('\n').Where(l => l.Contains("answered 500", StringComparison.Ordinal)).Take(3)));
            var attempts = _attempts.ToArray();
            var down = attempts.Where(a => t.Of(a.SentAt, a.AnsweredAt) == Phase.Down).ToArray();
            // Fail closed: nothing that needs the journal or grain storage succeeds while the database is down.
            Assert.Contains(down, a => a.Call == Call.Order);
            Assert.Contains(down, a => a.Call == Call.Fill);
            Assert.All(down, a => Assert.True(a.Outcome == "503", $"{a.Call} sent at {a.SentAt:0.00} s while PostgreSQL was down answered {a.Outcome}"));
            Assert.Contains(down, a => a.Call == Call.JournalRead);
            Assert.Contains(down, a => a.Call == Call.Activation);
            Assert.Contains(down, a => a.Call == Call.Login);

            // Readiness: red on both processes while the database is down, green again afterwards.
            foreach (var process in new[] { silo.Name, api.Name })
            {
                var samples = _readiness.Where(r => r.Process == process).ToArray();
                Assert.Contains(samples, r => t.Of(r.SentAt, r.AnsweredAt) == Phase.Before && r.Outcome == "200");
                Assert.Contains(samples, r => t.Of(r.SentAt, r.AnsweredAt) == Phase.Down && r.Outcome == "503");
                Assert.DoesNotContain(samples, r => t.Of(r.SentAt, r.AnsweredAt) == Phase.Down && r.Outcome == "200");
                Assert.Equal("200", samples.Last().Outcome);
            }

            // Recovery by itself, within the bound (Eventually above enforces it; this states the figure that matters).
            Assert.True(recovery.FirstOrder <= RecoveryBound.TotalSeconds, $"first order {recovery.FirstOrder:0.00} s after PostgreSQL was back");

            await CheckJournal(admin, ids);
        }
        finally
        {
            // On failure too: no client loop may outlive the test (each ends after its request in flight).
            _stopLoad = true;
            await stopProbes.CancelAsync();
            await Task.WhenAny(Task.WhenAll(running), Task.Delay(ClientTimeout * 2));
            foreach (var client in clients) client?.Dispose();
        }
    }

    /// <summary>One client loop: a new order or fill, sent again (same id) after every failure until acknowledged.</summary>
    private async Task Flood(HttpClient http, Func<Work> newWork)
    {
        await Task.Yield();
        while (!_stopLoad)
        {
            var work = newWork();
            while (true)
            {
                if (await Send(http, work)) break;
                if (_stopLoad)
                {
                    _unacknowledged.Enqueue(work);
                    return;
                }
                await Task.Delay(RetryPause);
            }
        }
    }

    private async Task<bool> Send(HttpClient http, Work work)
    {
        var now = DateTimeOffset.UtcNow;
        object body = work.Call == Call.Order
            ? new { strategyId = work.StrategyId, symbol = work.Symbol, side = work.Side, quantity = work.Quantity, type = "market", clientOrderId = work.Id }
            : new { fillId = work.Id, strategyId = work.StrategyId, symbol = work.Symbol, side = work.Side, quantity = work.Quantity, price = work.Price, fee = 0m, timestamp = now };
        var path = work.Call == Call.Order ? "/v1/orders" : "/v1/fills";
        using var response = await Request(work.Call, path, token => http.PostAsync(new Uri(path, UriKind.Relative), Json.Body(body), token));
        if (response is null || !response.IsSuccessStatusCode) return false;

        var json = await response.Read();
        var status = response.StatusCode;
        Ack ack;
        if (work.Call == Call.Order)
        {
            var replayed = response.Headers.TryGetValues("Idempotent-Replayed", out var values) && values.Contains("true", StringComparer.Ordinal);
            if (status != HttpStatusCode.Created || (string?)json["clientOrderId"] != work.Id)
                _violations.Enqueue($"order {work.Id}: {(int)status} {json.ToJsonString()}");
            ack = new Ack(work, status, replayed, (string?)json["orderId"], json["filledQuantity"].Number(), 0);
        }
        else
        {
            if (status is not (HttpStatusCode.Created or HttpStatusCode.OK) || (string?)json["fillId"] != work.Id)
                _violations.Enqueue($"fill {work.Id}: {(int)status} {json.ToJsonString()}");
            ack = new Ack(work, status, status == HttpStatusCode.OK, null, work.Quantity, (long)json["sequence"].Number());
        }
        if (!_acknowledged.TryAdd(work.Id, ack)) _violations.Enqueue($"{work.Id} acknowledged twice");
        return true;
    }

    /// <summary>
    /// Sends one request with the client timeout and records its outcome. A non-2xx answer must be 503 problem details
    /// with <c>Retry-After</c> (or the 404 of an activation probe); anything else is a violation.
    /// Returns the response (null when there was none), owned by the caller.
    /// </summary>
    private async Task<HttpResponseMessage?> Request(Call call, string path, Func<CancellationToken, Task<HttpResponseMessage>> send)
    {
        var sentAt = _clock.Elapsed.TotalSeconds;
        using var timeout = new CancellationTokenSource(ClientTimeout);
        try
        {
            var response = await send(timeout.Token);
            var answeredAt = _clock.Elapsed.TotalSeconds;
            var code = (int)response.StatusCode;
            _attempts.Enqueue(new Attempt(call, sentAt, answeredAt, code.ToString(CultureInfo.InvariantCulture)));
            if (response.IsSuccessStatusCode || (call == Call.Activation && response.StatusCode == HttpStatusCode.NotFound)) return response;
            var text = await response.Content.ReadAsStringAsync(CancellationToken.None);
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json";
            var retryAfter = response.Headers.RetryAfter is not null;
            if (response.StatusCode != HttpStatusCode.ServiceUnavailable || !problem || !retryAfter)
                _violations.Enqueue($"{call} {path} at {sentAt:0.00} s: {code} (problem+json: {problem}, Retry-After: {retryAfter}) {text[..Math.Min(text.Length, 400)]}");
            return response;
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            _attempts.Enqueue(new Attempt(call, sentAt, _clock.Elapsed.TotalSeconds, "timeout"));
            _violations.Enqueue($"{call} {path} at {sentAt:0.00} s: no answer within the client timeout ({ClientTimeout.TotalSeconds} s)");
            return null;
        }
        catch (HttpRequestException e)
        {
            _attempts.Enqueue(new Attempt(call, sentAt, _clock.Elapsed.TotalSeconds, "no-connection"));
            _violations.Enqueue($"{call} {path} at {sentAt:0.00} s: {e.Message}");
            return null;
        }
    }

    /// <summary><c>/health/ready</c> of one process, four times a second.</summary>
    private async Task ProbeReadiness(HttpClient http, HostProcess process, CancellationToken stop)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            var sentAt = _clock.Elapsed.TotalSeconds;
            string outcome;
            using var timeout = new CancellationTokenSource(ClientTimeout);
            try
            {
                using var response = await http.GetAsync(new Uri(process.BaseAddress, "/health/ready"), timeout.Token);
                outcome = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                outcome = "timeout";
            }
            catch (HttpRequestException)
            {
                outcome = "no-connection";
            }
            _readiness.Enqueue(new ReadinessSample(process.Name, sentAt, _clock.Elapsed.TotalSeconds, outcome));
            await Task.Delay(TimeSpan.FromMilliseconds(250), CancellationToken.None);
        }
    }

    /// <summary>
    /// Other requests that need the database, in turn: a journal read, the activation of a grain that is not in memory
    /// (its state must be read), and a login (it writes the user's session).
    /// </summary>
    private async Task ProbeOthers(HttpClient admin, HttpClient anonymous, string strategyId, CancellationToken stop)
    {
        await Task.Yield();
        while (!stop.IsCancellationRequested)
        {
            var read = $"/v1/fills?strategyId={strategyId}&per_page=1";
            using (await Request(Call.JournalRead, read, token => admin.GetAsync(new Uri(read, UriKind.Relative), token))) { }
            var absent = $"/v1/strategies/{StrategyBodies.NewId("absent")}";
            using (await Request(Call.Activation, absent, token => admin.GetAsync(new Uri(absent, UriKind.Relative), token))) { }
            var login = new { username = ProbeUser, password = ProbePassword };
            using (await Request(Call.Login, "/v1/auth/login", token => anonymous.PostAsync(new Uri("/v1/auth/login", UriKind.Relative), Json.Body(login), token))) { }
            await Task.Delay(TimeSpan.FromMilliseconds(300), CancellationToken.None);
        }
    }

    /// <summary>Seconds from PostgreSQL being back to the first success of each kind (NaN: none yet).</summary>
    private sealed record RecoveryTimes(double FirstOrder, double FirstFill, double SiloReady, double ApiReady, double JournalRead, double Login)
    {
        public bool Complete => !new[] { FirstOrder, FirstFill, SiloReady, ApiReady, JournalRead, Login }.Any(double.IsNaN);
    }

    private RecoveryTimes Recovery()
    {
        var back = _timeline.BackAt;
        double First(IEnumerable<(double AnsweredAt, bool Ok)> samples)
        {
            var after = samples.Where(s => s.Ok && s.AnsweredAt >= back).Select(s => s.AnsweredAt - back).ToArray();
            return after.Length == 0 ? double.NaN : after.Min();
        }
        var attempts = _attempts.ToArray();
        double FirstOf(Call call) => First(attempts.Where(a => a.Call == call).Select(a => (a.AnsweredAt, a.Outcome is "200" or "201")));
        var readiness = _readiness.ToArray();
        // Ready again means answering 200 to a probe sent after the database was back (not a stale one).
        double ReadyOf(string process) => First(readiness.Where(r => r.Process == process && r.SentAt >= back).Select(r => (r.AnsweredAt, r.Outcome == "200")));
        return new RecoveryTimes(FirstOf(Call.Order), FirstOf(Call.Fill), ReadyOf("silo"), ReadyOf("api"), FirstOf(Call.JournalRead), FirstOf(Call.Login));
    }

    /// <summary>
    /// The journal holds every acknowledged order and fill exactly once, as acknowledged; sequences of each position
    /// run 1..n; each position (read through the API) is the sum of its journaled fills.
    /// </summary>
    private async Task CheckJournal(HttpClient admin, List<string> ids)
    {
        var orders = new List<(string OrderId, string StrategyId, string ClientOrderId, decimal Filled)>();
        var fills = new List<(string FillId, string? OrderId, string StrategyId, string Symbol, decimal Signed, decimal Quantity, long Sequence)>();
        await using (var connection = new NpgsqlConnection(_postgres.ConnectionString))
        {
            await connection.OpenAsync();
            await using (var command = new NpgsqlCommand("SELECT order_id, strategy_id, client_order_id, filled_quantity FROM trading_orders", connection))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) orders.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDecimal(3)));
            }
            await using (var command = new NpgsqlCommand(
                "SELECT fill_id, order_id, strategy_id, symbol, CASE side WHEN 'buy' THEN quantity ELSE -quantity END, quantity, position_seq FROM trading_fills", connection))
            await using (var reader = await command.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync())
                    fills.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetString(2), reader.GetString(3),
                        reader.GetDecimal(4), reader.GetDecimal(5), reader.GetInt64(6)));
            }
        }

        var acks = _acknowledged.Values.ToArray();
        var ordersByClientId = orders.ToLookup(o => (o.StrategyId, o.ClientOrderId));
        var fillsById = fills.ToLookup(f => f.FillId, StringComparer.Ordinal);
        var paperFillsByOrder = fills.Where(f => f.OrderId is not null).ToLookup(f => f.OrderId!, StringComparer.Ordinal);
        foreach (var ack in acks.Where(a => a.Work.Call == Call.Order))
        {
            var stored = Assert.Single(ordersByClientId[(ack.Work.StrategyId, ack.Work.Id)]);
            Assert.Equal(ack.OrderId, stored.OrderId);
            Assert.Equal(ack.FilledQuantity, stored.Filled);
            Assert.Equal(ack.FilledQuantity, paperFillsByOrder[stored.OrderId].Sum(f => f.Quantity));
        }
        foreach (var ack in acks.Where(a => a.Work.Call == Call.Fill))
        {
            var stored = Assert.Single(fillsById[ack.Work.Id]);
            Assert.Equal(ack.Sequence, stored.Sequence);
            Assert.Equal(ack.Work.Side == "buy" ? ack.Work.Quantity : -ack.Work.Quantity, stored.Signed);
        }

        var unacknowledged = _unacknowledged.ToArray();
        var landedAnyway = unacknowledged.Count(w => w.Call == Call.Order ? ordersByClientId[(w.StrategyId, w.Id)].Any() : fillsById[w.Id].Any());
        output.WriteLine($"journal: {orders.Count} orders, {fills.Count} fills ({fills.Count(f => f.OrderId is null)} external); " +
            $"acknowledged {acks.Count(a => a.Work.Call == Call.Order)} orders and {acks.Count(a => a.Work.Call == Call.Fill)} fills, every one journaled exactly once; " +
            $"answered as replays (an earlier attempt had landed): {acks.Count(a => a.Replayed)}; in flight when the load stopped: {unacknowledged.Length} ({landedAnyway} journaled)");
        // Nothing is in the journal that no client sent: every order and external fill is one of ours.
        var sent = acks.Select(a => a.Work).Concat(unacknowledged).ToDictionary(w => w.Id, StringComparer.Ordinal);
        Assert.All(orders, o => Assert.True(sent.ContainsKey(o.ClientOrderId), $"journaled order {o.ClientOrderId} was never sent"));
        Assert.All(fills.Where(f => f.OrderId is null), f => Assert.True(sent.ContainsKey(f.FillId), $"journaled fill {f.FillId} was never sent"));

        var positions = 0;
        foreach (var id in ids)
        {
            foreach (var symbol in Symbols)
            {
                var own = fills.Where(f => f.StrategyId == id && f.Symbol == symbol).OrderBy(f => f.Sequence).ToArray();
                Assert.Equal(Enumerable.Range(1, own.Length).Select(i => (long)i), own.Select(f => f.Sequence));
                if (own.Length == 0) continue;
                var position = await admin.Position(id, symbol);
                Assert.Equal(own.Sum(f => f.Signed), position["quantity"].Number());
                Assert.Equal(own.Length, position["sequence"].Number());
                Assert.Equal(own.Length, position["fills"].Number());
                positions++;
            }
        }
        output.WriteLine($"positions checked against the journal: {positions}");
    }

    private void Report(RecoveryTimes recovery)
    {
        var t = _timeline;
        var attempts = _attempts.ToArray();
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"requests: {attempts.Length}; acknowledged orders/fills: {_acknowledged.Count}");
        text.AppendLine("responses by phase and request (status x count):");
        foreach (var phase in Enum.GetValues<Phase>())
        {
            var inPhase = attempts.Where(a => t.Of(a.SentAt, a.AnsweredAt) == phase).ToArray();
            var slowest = inPhase.Length == 0 ? 0 : inPhase.Max(a => a.AnsweredAt - a.SentAt);
            text.Append(CultureInfo.InvariantCulture, $"  {phase,-8} {inPhase.Length,5} (slowest {slowest:0.00} s):");
            foreach (var call in Enum.GetValues<Call>())
            {
                var counts = inPhase.Where(a => a.Call == call).GroupBy(a => a.Outcome).OrderBy(g => g.Key, StringComparer.Ordinal)
                    .Select(g => $"{g.Key} x{g.Count()}").ToArray();
                if (counts.Length > 0) text.Append(CultureInfo.InvariantCulture, $"  {call}: {string.Join(", ", counts)};");
            }
            text.AppendLine();
        }
        foreach (var process in new[] { "silo", "api" })
        {
            var samples = _readiness.Where(r => r.Process == process).ToArray();
            var red = samples.Where(r => r.Outcome != "200").ToArray();
            text.AppendLine(CultureInfo.InvariantCulture,
                $"readiness {process}: {samples.Length} probes; not ready from {(red.Length > 0 ? red.Min(r => r.AnsweredAt) : double.NaN):0.00} s to {(red.Length > 0 ? red.Max(r => r.AnsweredAt) : double.NaN):0.00} s " +
                $"({string.Join(", ", samples.GroupBy(r => r.Outcome).Select(g => $"{g.Key} x{g.Count()}"))})");
        }
        text.AppendLine(CultureInfo.InvariantCulture,
            $"timeline: stop at {t.StopAt:0.00} s, down at {t.DownAt:0.00} s, restart at {t.RestartAt:0.00} s, back at {t.BackAt:0.00} s");
        text.AppendLine(CultureInfo.InvariantCulture,
            $"after PostgreSQL was back: first order {recovery.FirstOrder:0.00} s, first fill {recovery.FirstFill:0.00} s, silo ready {recovery.SiloReady:0.00} s, " +
            $"API ready {recovery.ApiReady:0.00} s, journal read {recovery.JournalRead:0.00} s, login {recovery.Login:0.00} s");
        output.WriteLine(text.ToString());
    }

    private HostProcess Track(HostProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
