using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Diagnostics;
using Npgsql;
using Orleans.Runtime.Placement;
using Orleans.TestingHost;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Strategies;
using TradingPlatform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TradingPlatform.Tests.Trading;

/// <summary>A two-silo cluster of its own for the exactly-once flood (nothing else runs on it).</summary>
public sealed class TradingClusterFixture : ClusterFixture;

[CollectionDefinition(Name)]
public sealed class TradingClusterCollection : ICollectionFixture<TradingClusterFixture>
{
    public const string Name = "trading-cluster";
}

/// <summary>A two-silo cluster of its own whose secondary silo a test kills.</summary>
public sealed class TradingFailoverClusterFixture : ClusterFixture;

[CollectionDefinition(Name)]
public sealed class TradingFailoverClusterCollection : ICollectionFixture<TradingFailoverClusterFixture>
{
    public const string Name = "trading-failover-cluster";
}

/// <summary>
/// External fills from many concurrent callers across two silos: each fillId is journaled exactly
/// once, each position's sequence is 1..n without gaps, and every position grain equals its journal.
/// </summary>
[Collection(TradingClusterCollection.Name)]
public sealed class ExactlyOnceTests(TradingClusterFixture fixture, ITestOutputHelper output)
{
    private const int Strategies = 20;
    private const int Calls = 10_000;
    private const int InFlight = 200;
    private static readonly string[] Symbols = ["SPY", "QQQ"];

    [Fact]
    public async Task Ten_thousand_concurrent_fills_with_duplicates_are_each_journaled_and_applied_exactly_once()
    {
        var cluster = fixture.Cluster;
        var ids = await TradingKit.CreateSpreadStrategies(cluster, "eo", Strategies, Symbols);
        var placement = await TradingKit.SilosOf(cluster, ids.Select(id => cluster.GrainFactory.GetGrain<IStrategyGrain>(id)));
        output.WriteLine($"strategy activations per silo: {TradingKit.Describe(placement)}");
        Assert.Equal(cluster.Silos.Count, placement.Count); // every silo hosts strategies
        Assert.All(placement.Values, n => Assert.True(n >= Strategies / 4, $"placement is lopsided: {TradingKit.Describe(placement)}"));

        // 9,000 distinct fills and 1,000 exact resends: half right behind their original (in flight
        // together), half a while later (50 to 3,000 calls on).
        var random = new Random(20_240_601);
        var unique = Enumerable.Range(0, Calls * 9 / 10)
            .Select(i => TradingKit.RandomFill(random, $"eo{i:D5}-{Guid.NewGuid():N}"[..30], ids[random.Next(ids.Length)], Symbols[random.Next(Symbols.Length)]))
            .ToList();
        var schedule = new List<(double At, ExternalFillSpec Fill)>(Calls);
        for (var i = 0; i < unique.Count; i++)
        {
            schedule.Add((i, unique[i]));
            if (i % 18 == 0) schedule.Add((i + 0.5, unique[i])); // a concurrent twin
            else if (i % 18 == 1) schedule.Add((i + random.Next(50, 3_000) + 0.25, unique[i])); // a late resend
        }
        var work = schedule.OrderBy(s => s.At).Select(s => s.Fill).ToList();
        var sent = work.CountBy(f => f.FillId, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
        Assert.Equal(Calls, work.Count);

        var outcomes = new ConcurrentDictionary<string, ConcurrentBag<FillOutcome>>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = InFlight }, async (fill, _) =>
        {
            var outcome = await cluster.GrainFactory.GetGrain<IStrategyGrain>(fill.StrategyId).RecordFill(fill);
            outcomes.GetOrAdd(fill.FillId, _ => []).Add(outcome);
        });
        output.WriteLine($"{Calls} RecordFill calls ({unique.Count} distinct) in {clock.Elapsed.TotalSeconds:0.0} s");

        // Every fillId: exactly one Recorded, every other answer Duplicate carrying the same journaled fill.
        Assert.Equal(unique.Count, outcomes.Count);
        foreach (var fill in unique)
        {
            var answers = outcomes[fill.FillId].ToArray();
            var recorded = Assert.Single(answers, a => a.Kind == FillOutcomeKind.Recorded);
            Assert.All(answers.Where(a => a != recorded), a =>
            {
                Assert.Equal(FillOutcomeKind.Duplicate, a.Kind);
                Assert.Equal(recorded.Fill!.Sequence, a.Fill!.Sequence);
                Assert.Equal(fill.StrategyId, a.Fill.StrategyId);
            });
            Assert.Equal(sent[fill.FillId], answers.Length);
        }

        var journal = await TradingKit.JournaledFills(fixture.Database.ConnectionString, ids);
        Assert.Equal(unique.Select(f => f.FillId).Order(StringComparer.Ordinal), journal.Select(f => f.FillId).Order(StringComparer.Ordinal));
        var acknowledged = outcomes.ToDictionary(o => o.Key, o => o.Value.Single(a => a.Kind == FillOutcomeKind.Recorded).Fill!, StringComparer.Ordinal);
        Assert.All(journal, j => Assert.Equal(acknowledged[j.FillId].Sequence, j.Sequence));

        await TradingKit.AssertPositionsEqualJournal(cluster, journal, ids, Symbols);
        var positions = await TradingKit.SilosOf(cluster, ids.SelectMany(id => Symbols.Select(s => cluster.GrainFactory.GetGrain<IPositionGrain>(PositionKey.Of(id, s)))));
        output.WriteLine($"position activations per silo: {TradingKit.Describe(positions)}");
    }

    /// <summary>
    /// A stale activation (on a silo being declared dead) may still journal a fill: the live activation's
    /// commit then meets SequenceTaken, resynchronizes from the journal and re-sequences its fill.
    /// </summary>
    [Fact]
    public async Task A_fill_journaled_by_another_writer_is_counted_once_by_the_position_and_by_the_strategy()
    {
        var cluster = fixture.Cluster;
        var id = (await TradingKit.CreateSpreadStrategies(cluster, "ow", 1, ["SPY"]))[0];
        var strategy = cluster.GrainFactory.GetGrain<IStrategyGrain>(id);
        var random = new Random(3);
        Assert.Equal(FillOutcomeKind.Recorded, (await strategy.RecordFill(TradingKit.RandomFill(random, $"{id}-a", id, "SPY"))).Kind);

        // Another writer (a stale activation of this strategy on a silo that is being declared dead)
        // journals sequence 2 behind this activation's back.
        await using (var connection = new NpgsqlConnection(fixture.Database.ConnectionString))
        {
            await connection.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO trading_fills (fill_id, order_id, strategy_id, symbol, side, quantity, price, fee, position_seq, executed_at, source)
                VALUES ($1, NULL, $2, 'SPY', 'buy', 5, 100, 0, 2, now(), 'external')
                """, connection);
            insert.Parameters.AddWithValue($"{id}-b");
            insert.Parameters.AddWithValue(id);
            await insert.ExecuteNonQueryAsync();
        }

        var third = await strategy.RecordFill(TradingKit.RandomFill(random, $"{id}-c", id, "SPY"));
        Assert.Equal(FillOutcomeKind.Recorded, third.Kind);
        Assert.Equal(3, third.Fill!.Sequence); // re-sequenced after the journal refused sequence 2

        var journal = await TradingKit.JournaledFills(fixture.Database.ConnectionString, [id]);
        Assert.Equal(3, journal.Count);
        await TradingKit.AssertPositionsEqualJournal(cluster, journal, [id], ["SPY"]);
    }
}

/// <summary>Fills keep coming while a silo dies; callers retry failures with the same fillId (the client contract).</summary>
[Collection(TradingFailoverClusterCollection.Name)]
public sealed class ExactlyOnceFailoverTests(TradingFailoverClusterFixture fixture, ITestOutputHelper output)
{
    private const int Strategies = 12;
    private const int Fills = 3_000;
    private const int InFlight = 64;
    private static readonly string[] Symbols = ["SPY", "QQQ"];
    private static readonly TimeSpan RetryFor = TimeSpan.FromSeconds(60);

    /// <summary>A caller stops waiting after this and sends the same fill again (the first attempt may still land).</summary>
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Killing_a_silo_mid_flow_neither_loses_an_acknowledged_fill_nor_applies_one_twice()
    {
        var cluster = fixture.Cluster;
        var ids = await TradingKit.CreateSpreadStrategies(cluster, "fo", Strategies, Symbols);
        var victim = cluster.SecondarySilos[0];
        var placement = await TradingKit.SilosOf(cluster, ids.Select(id => cluster.GrainFactory.GetGrain<IStrategyGrain>(id)));
        output.WriteLine($"strategy activations per silo: {TradingKit.Describe(placement)}; killing {victim.SiloAddress}");
        Assert.True(placement.GetValueOrDefault(victim.SiloAddress) > 0, "the silo to kill hosts no strategy");

        var random = new Random(7);
        var unique = Enumerable.Range(0, Fills)
            .Select(i => TradingKit.RandomFill(random, $"fo{i:D5}-{Guid.NewGuid():N}"[..30], ids[random.Next(ids.Length)], Symbols[random.Next(Symbols.Length)]))
            .ToList();
        var work = new List<ExternalFillSpec>(unique);
        for (var i = 0; i < 150; i++) work.Insert(random.Next(1_000, work.Count), unique[random.Next(0, 1_000)]); // resends of earlier fills

        var acknowledged = new ConcurrentDictionary<string, ConcurrentBag<FillOutcome>>(StringComparer.Ordinal);
        var failures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var done = 0;
        var ackedAfterKill = 0;
        Task? kill = null;
        var killed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var killAt = work.Count / 4;
        var clock = Stopwatch.StartNew();

        await Parallel.ForEachAsync(work, new ParallelOptions { MaxDegreeOfParallelism = InFlight }, async (fill, _) =>
        {
            var outcome = await RecordWithRetry(fill, failures);
            acknowledged.GetOrAdd(fill.FillId, _ => []).Add(outcome);
            if (killed.Task.IsCompleted) Interlocked.Increment(ref ackedAfterKill);
            if (Interlocked.Increment(ref done) == killAt)
            {
                kill = Task.Run(async () =>
                {
                    await cluster.KillSiloAsync(victim);
                    killed.SetResult();
                }, CancellationToken.None);
            }
        });
        Assert.NotNull(kill);
        await kill;
        output.WriteLine($"{work.Count} fills ({unique.Count} distinct) in {clock.Elapsed.TotalSeconds:0.0} s");
        output.WriteLine($"failed calls retried: {(failures.IsEmpty ? "none" : string.Join(", ", failures.Select(f => $"{f.Key} x{f.Value}")))}; acknowledged after the kill: {ackedAfterKill}");
        Assert.True(ackedAfterKill > 0, "the flow did not go on after the kill");

        // Every fill was acknowledged (retries until it was); exactly one acknowledgement per fillId
        // may be Recorded (a retry of a call whose first attempt was journaled says Duplicate).
        Assert.Equal(unique.Count, acknowledged.Count);
        Assert.All(acknowledged, a => Assert.True(a.Value.Count(o => o.Kind == FillOutcomeKind.Recorded) <= 1, $"{a.Key} recorded twice"));

        var journal = await TradingKit.JournaledFills(fixture.Database.ConnectionString, ids);
        Assert.Equal(unique.Select(f => f.FillId).Order(StringComparer.Ordinal), journal.Select(f => f.FillId).Order(StringComparer.Ordinal));
        var byId = journal.ToDictionary(j => j.FillId, StringComparer.Ordinal);
        foreach (var (fillId, answers) in acknowledged)
        {
            foreach (var answer in answers) Assert.Equal(byId[fillId].Sequence, answer.Fill!.Sequence); // what the client was told is what was journaled
        }

        await TradingKit.AssertPositionsEqualJournal(cluster, journal, ids, Symbols);
    }

    private async Task<FillOutcome> RecordWithRetry(ExternalFillSpec fill, ConcurrentDictionary<string, int> failures)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var outcome = await fixture.Cluster.GrainFactory.GetGrain<IStrategyGrain>(fill.StrategyId).RecordFill(fill).WaitAsync(AttemptTimeout);
                Assert.True(outcome.Kind is FillOutcomeKind.Recorded or FillOutcomeKind.Duplicate, $"{fill.FillId}: {outcome.Kind} {outcome.Detail}");
                return outcome;
            }
            catch (Exception e) when (e is not Xunit.Sdk.XunitException && deadline.Elapsed < RetryFor)
            {
                failures.AddOrUpdate(e.GetType().Name, 1, (_, n) => n + 1);
                await Task.Delay(TimeSpan.FromMilliseconds(100));
            }
        }
    }
}

/// <summary>A fill as the journal holds it.</summary>
internal sealed record JournaledFill(string FillId, string StrategyId, string Symbol, Side Side, decimal Quantity, decimal Price, decimal Fee, long Sequence, string? OrderId);

/// <summary>Shared by the trading cluster tests: strategies spread over the silos, journal reads, position checks.</summary>
internal static class TradingKit
{
    public static readonly StrategyRisk GenerousRisk = new(MaxOrderQuantity: 1_000_000m, MaxPositionQuantity: 1_000_000_000m, MaxNotional: 1_000_000_000_000m, MaxDailyLoss: 1_000_000_000_000m);

    /// <summary>
    /// Manual strategies created round-robin on every silo: each create carries a placement hint, so its activation
    /// starts where asked. (A read-only first call no longer does: an unknown strategy deactivates after answering,
    /// and the create then activated it wherever default placement chose — all on one silo when the other was busy.)
    /// The hint travels with the create to what it calls, so grains first activated by it (a new market) start on the
    /// same silo; tests that care about those place them themselves.
    /// </summary>
    public static async Task<string[]> CreateSpreadStrategies(TestCluster cluster, string prefix, int count, string[] symbols)
    {
        var silos = cluster.Silos.Select(s => s.SiloAddress).ToArray();
        var ids = Enumerable.Range(0, count).Select(i => $"{prefix}{i:D3}-{Guid.NewGuid():N}"[..24]).ToArray();
        var outcomes = await Task.WhenAll(ids.Select((id, i) => CreateOn(cluster.GrainFactory.GetGrain<IStrategyGrain>(id), silos[i % silos.Length],
            new StrategySpec(id, $"Flood {id}", StrategyKind.Manual, [.. symbols], ImmutableSortedDictionary<string, decimal>.Empty, GenerousRisk))));
        Assert.All(outcomes, o => Assert.Equal(StrategyOutcomeKind.Created, o.Kind));
        return ids;
    }

    private static async Task<StrategyOutcome> CreateOn(IStrategyGrain grain, SiloAddress silo, StrategySpec spec)
    {
        // RequestContext is async-local: the hint stays with this call (and whatever it calls).
        RequestContext.Set(IPlacementDirector.PlacementHintKey, silo);
        try
        {
            return await grain.Create(spec);
        }
        finally
        {
            RequestContext.Remove(IPlacementDirector.PlacementHintKey);
        }
    }

    public static async Task<Dictionary<SiloAddress, int>> SilosOf(TestCluster cluster, IEnumerable<IAddressable> grains)
    {
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var counts = new Dictionary<SiloAddress, int>();
        foreach (var grain in grains)
        {
            var silo = await management.GetActivationAddress(grain);
            if (silo is not null) counts[silo] = counts.GetValueOrDefault(silo) + 1;
        }
        return counts;
    }

    public static string Describe(Dictionary<SiloAddress, int> placement) =>
        string.Join(", ", placement.Select(p => $"{p.Key}: {p.Value}"));

    public static ExternalFillSpec RandomFill(Random random, string fillId, string strategyId, string symbol) => new(
        fillId, null, strategyId, symbol, random.Next(2) == 0 ? Side.Buy : Side.Sell, random.Next(1, 11),
        100m + random.Next(-500, 500) / 100m, random.Next(0, 5) / 100m, DateTimeOffset.UtcNow);

    /// <summary>The journaled fills of <paramref name="strategyIds"/> (other tests may share the database).</summary>
    public static async Task<List<JournaledFill>> JournaledFills(string connectionString, IReadOnlyList<string> strategyIds)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT fill_id, strategy_id, symbol, side, quantity, price, fee, position_seq, order_id FROM trading_fills WHERE strategy_id = ANY($1) ORDER BY strategy_id, symbol, position_seq", connection);
        command.Parameters.AddWithValue(strategyIds.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var fills = new List<JournaledFill>();
        while (await reader.ReadAsync())
        {
            fills.Add(new JournaledFill(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3) == "buy" ? Side.Buy : Side.Sell,
                reader.GetDecimal(4), reader.GetDecimal(5), reader.GetDecimal(6), reader.GetInt64(7), reader.IsDBNull(8) ? null : reader.GetString(8)));
        }
        return fills;
    }

    /// <summary>
    /// Per position: the journal's sequences are exactly 1..n, and the position grain (and its strategy's
    /// fill count) equals the journal replayed in sequence order - quantity is the sum of the signed fills.
    /// </summary>
    public static async Task AssertPositionsEqualJournal(TestCluster cluster, IReadOnlyList<JournaledFill> journal, IReadOnlyList<string> strategyIds, IReadOnlyList<string> symbols)
    {
        var grains = cluster.GrainFactory;
        var byPosition = journal.ToLookup(f => (f.StrategyId, f.Symbol));
        foreach (var strategyId in strategyIds)
        {
            long strategyFills = 0;
            foreach (var symbol in symbols)
            {
                var fills = byPosition[(strategyId, symbol)].OrderBy(f => f.Sequence).ToArray();
                Assert.Equal(Enumerable.Range(1, fills.Length).Select(i => (long)i), fills.Select(f => f.Sequence));

                var book = PositionBook.Flat;
                foreach (var fill in fills) book = book.Apply(fill.Side, fill.Quantity, fill.Price, fill.Fee);
                var position = await grains.GetGrain<IPositionGrain>(PositionKey.Of(strategyId, symbol)).Get();
                var key = PositionKey.Of(strategyId, symbol);
                Assert.True(fills.Length == position.Sequence, $"{key}: journal has {fills.Length} fills, position is at sequence {position.Sequence}");
                Assert.True(fills.Length == position.Fills, $"{key}: journal has {fills.Length} fills, position counted {position.Fills}");
                Assert.True(fills.Sum(f => f.Side.Sign() * f.Quantity) == position.Quantity, $"{key}: journal sums to {fills.Sum(f => f.Side.Sign() * f.Quantity)}, position holds {position.Quantity}");
                Assert.Equal(book.AveragePrice, position.AveragePrice);
                Assert.Equal(book.RealizedPnl, position.RealizedPnl);
                Assert.Equal(book.Fees, position.Fees);
                strategyFills += fills.Length;
            }
            var strategy = await grains.GetGrain<IStrategyGrain>(strategyId).Get();
            Assert.True(strategyFills == strategy!.Fills, $"strategy {strategyId}: journal has {strategyFills} fills, the strategy counts {strategy.Fills}");
        }
    }
}
