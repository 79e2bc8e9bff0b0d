using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using Npgsql;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Testing;
using Xunit.Abstractions;

namespace TradingPlatform.IntegrationTests.Cluster;

/// <summary>Three processes and a flood on a small machine: this runs alone, after the parallel tests.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TradingFailoverProcessCollection
{
    public const string Name = "trading-failover-processes";
}

/// <summary>
/// External fills over HTTP into real silo processes while one of them is killed (SIGKILL): every
/// fill the API acknowledged is in the journal once, and every position reads exactly its journal.
/// </summary>
[Collection(TradingFailoverProcessCollection.Name)]
public sealed class TradingFailoverProcessTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);
    private const int Strategies = 12;
    private const int Fills = 1_000;
    private const int Clients = 4;
    private const int LoopsPerClient = 5;
    private static readonly string[] Symbols = ["SPY", "QQQ"];

    private readonly List<HostProcess> _processes = [];
    private readonly string _clusterId = $"test-{Guid.NewGuid():N}"[..16];
    private TestDatabase _database = null!;

    public async Task InitializeAsync() => _database = await TestPostgres.CreateDatabase("fillfail");

    public async Task DisposeAsync()
    {
        foreach (var process in _processes) await process.DisposeAsync();
        await _database.DisposeAsync();
    }

    private sealed record FillBody(string FillId, string StrategyId, string Symbol, string Side, int Quantity, decimal Price);

    [Fact]
    public async Task Killing_a_silo_process_mid_flood_loses_no_acknowledged_fill_and_counts_none_twice()
    {
        var started = Stopwatch.StartNew();
        var silo1 = Track(HostProcess.StartSilo("silo1", _database.ConnectionString, _clusterId, FreePort.Next(), FreePort.Next()));
        var silo2 = Track(HostProcess.StartSilo("silo2", _database.ConnectionString, _clusterId, FreePort.Next(), FreePort.Next()));
        var api = Track(HostProcess.StartApi("api", _database.ConnectionString, _clusterId));
        await Task.WhenAll(silo1.WaitReady(StartTimeout), silo2.WaitReady(StartTimeout), api.WaitReady(StartTimeout));

        var clients = new HttpClient[Clients];
        output.WriteLine($"two silos and an API ready in {started.Elapsed.TotalSeconds:0.0} s");
        for (var i = 0; i < Clients; i++) clients[i] = await api.AdminClient();
        try
        {
            var ids = new List<string>();
            for (var i = 0; i < Strategies; i++) ids.Add(await clients[0].CreateStrategy(Symbols, TradingClient.Risk(maxOrderQuantity: 1_000, maxPositionQuantity: 10_000_000, maxDailyLoss: 1_000_000_000)));

            // Kill the silo that hosts more of the strategies (each logs its creation where it lives).
            int Hosted(HostProcess silo)
            {
                var log = silo.Output().Split('\n');
                return ids.Count(id => log.Any(line => line.Contains(id, StringComparison.Ordinal) && line.Contains("created", StringComparison.Ordinal)));
            }
            var (victim, hosted) = Hosted(silo1) >= Hosted(silo2) ? (silo1, Hosted(silo1)) : (silo2, Hosted(silo2));
            output.WriteLine($"strategies created on silo1: {Hosted(silo1)}, on silo2: {Hosted(silo2)}; killing {victim.Name}");
            Assert.True(hosted > 0, "no silo logged the creation of the strategies");

            var random = new Random(11);
            var fills = Enumerable.Range(0, Fills).Select(i => new FillBody($"pf{i:D5}-{Guid.NewGuid():N}"[..30], ids[random.Next(ids.Count)],
                Symbols[random.Next(Symbols.Length)], random.Next(2) == 0 ? "buy" : "sell", random.Next(1, 11), 100m + random.Next(-500, 500) / 100m)).ToArray();
            var queue = new ConcurrentQueue<FillBody>(fills);
            var acknowledged = new ConcurrentDictionary<string, (HttpStatusCode Status, long Sequence)>(StringComparer.Ordinal);
            var retried = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
            var killAfter = Fills / 4;
            var killed = 0;
            var ackedAfterKill = 0;

            async Task Loop(HttpClient http)
            {
                while (queue.TryDequeue(out var fill))
                {
                    var (status, sequence) = await RecordWithRetry(http, fill, retried);
                    Assert.True(acknowledged.TryAdd(fill.FillId, (status, sequence)), $"{fill.FillId} acknowledged twice");
                    if (Volatile.Read(ref killed) == 2) Interlocked.Increment(ref ackedAfterKill);
                    if (acknowledged.Count >= killAfter && Interlocked.CompareExchange(ref killed, 1, 0) == 0)
                    {
                        await victim.Kill();
                        Volatile.Write(ref killed, 2);
                    }
                }
            }

            var clock = Stopwatch.StartNew();
            await Task.WhenAll(clients.SelectMany(c => Enumerable.Range(0, LoopsPerClient).Select(_ => Loop(c))));
            output.WriteLine($"{Fills} fills over HTTP in {clock.Elapsed.TotalSeconds:0.0} s; retried: {(retried.IsEmpty ? "none" : string.Join(", ", retried.Select(r => $"{r.Key} x{r.Value}")))}; acknowledged after the kill: {ackedAfterKill}");
            Assert.Equal(2, killed);
            Assert.True(ackedAfterKill > 0, "the flood did not go on after the kill");
            Assert.Equal(Fills, acknowledged.Count);

            // The journal holds exactly the fills sent, each position numbered 1..n, and what each
            // caller was told (201 or, for a retry of a fill that had landed, 200) is what was journaled.
            var journal = new List<(string FillId, string StrategyId, string Symbol, decimal Signed, long Sequence)>();
            await using (var connection = new NpgsqlConnection(_database.ConnectionString))
            {
                await connection.OpenAsync();
                await using var command = new NpgsqlCommand("SELECT fill_id, strategy_id, symbol, CASE side WHEN 'buy' THEN quantity ELSE -quantity END, position_seq FROM trading_fills", connection);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) journal.Add((reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetDecimal(3), reader.GetInt64(4)));
            }
            Assert.Equal(fills.Select(f => f.FillId).Order(StringComparer.Ordinal), journal.Select(j => j.FillId).Order(StringComparer.Ordinal));
            Assert.All(journal, j => Assert.Equal(acknowledged[j.FillId].Sequence, j.Sequence));
            output.WriteLine($"acknowledged 201: {acknowledged.Count(a => a.Value.Status == HttpStatusCode.Created)}, 200 (already journaled): {acknowledged.Count(a => a.Value.Status == HttpStatusCode.OK)}");

            foreach (var id in ids)
            {
                foreach (var symbol in Symbols)
                {
                    var own = journal.Where(j => j.StrategyId == id && j.Symbol == symbol).OrderBy(j => j.Sequence).ToArray();
                    Assert.Equal(Enumerable.Range(1, own.Length).Select(i => (long)i), own.Select(j => j.Sequence));
                    if (own.Length == 0) continue;
                    var position = await clients[0].Position(id, symbol);
                    Assert.Equal(own.Sum(j => j.Signed), position["quantity"].Number());
                    Assert.Equal(own.Length, position["sequence"].Number());
                    Assert.Equal(own.Length, position["fills"].Number());
                }
            }
        }
        finally
        {
            foreach (var client in clients) client?.Dispose();
        }
    }

    private static async Task<(HttpStatusCode Status, long Sequence)> RecordWithRetry(HttpClient http, FillBody fill, ConcurrentDictionary<string, int> retried)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            string failure;
            try
            {
                // A caller that stops waiting sends the same fill again (the first attempt may still land).
                using var timeout = new CancellationTokenSource(AttemptTimeout);
                using var response = await http.PostAsync(new Uri("/v1/fills", UriKind.Relative), Json.Body(new
                {
                    fillId = fill.FillId,
                    strategyId = fill.StrategyId,
                    symbol = fill.Symbol,
                    side = fill.Side,
                    quantity = fill.Quantity,
                    price = fill.Price,
                    fee = 0m,
                    timestamp = DateTimeOffset.UtcNow,
                }), timeout.Token);
                if (response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK)
                {
                    var body = await response.Read();
                    Assert.Equal(fill.FillId, (string?)body["fillId"]);
                    return (response.StatusCode, (long)body["sequence"].Number());
                }
                Assert.True((int)response.StatusCode >= 500, $"{fill.FillId}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                failure = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                failure = e.GetType().Name;
            }
            retried.AddOrUpdate(failure, 1, (_, n) => n + 1);
            if (deadline.Elapsed > RetryFor) throw new TimeoutException($"{fill.FillId} not acknowledged within {RetryFor.TotalSeconds} s (last: {failure})");
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }
    }

    private HostProcess Track(HostProcess process)
    {
        _processes.Add(process);
        return process;
    }
}
