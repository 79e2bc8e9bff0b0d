using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.Hosting;
using TradingPlatform.Storage;
using TradingPlatform.Strategies;
using TradingPlatform.Testing;
using Xunit.Abstractions;

namespace TradingPlatform.Tests.Backtesting;

/// <summary>
/// Two real silos on Postgres, one backtest slot each, short leases, and candles that arrive slowly
/// (<see cref="PacedCandles"/>) so runs last seconds.
/// </summary>
public class BacktestClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public TestDatabase Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabase("backtests");
        await DatabaseMigrator.MigrateAsync(Database.ConnectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeSpan.FromSeconds(30));
        var builder = new TestClusterBuilder(2);
        builder.Properties[$"ConnectionStrings:{Platform.ConnectionStringName}"] = Database.ConnectionString;
        builder.Properties["Backtests:MaxConcurrentPerSilo"] = "1";
        builder.Properties["Backtests:LeaseTimeoutSeconds"] = "4";
        builder.Properties["Backtests:PollMilliseconds"] = "50";
        builder.Properties["Backtests:BatchSize"] = "1000";
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.Services.AddSingleton<ICandleStore, PacedCandles>();
            siloBuilder.AddTradingPersistence(siloBuilder.Configuration).AddTradingGrains();
        }
    }
}

public sealed class BacktestFailoverFixture : BacktestClusterFixture;

[CollectionDefinition(Name)]
public sealed class BacktestClusterCollection : ICollectionFixture<BacktestClusterFixture>
{
    public const string Name = "backtest-cluster";
}

[CollectionDefinition(Name)]
public sealed class BacktestFailoverCollection : ICollectionFixture<BacktestFailoverFixture>
{
    public const string Name = "backtest-failover";
}

internal static class Runs
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>sma_cross over <paramref name="bars"/> one-minute bars (4 batches a second: bars/4000 seconds).</summary>
    public static BacktestRequest Request(int bars, string symbol = "PACED") => new(StrategyKind.SmaCross,
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal,
            new Dictionary<string, decimal> { ["fast"] = 5, ["slow"] = 20, ["quantity"] = 10 }),
        symbol, Timeframe.OneMinute, new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc), new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddMinutes(bars),
        100_000m, 1m, 1m, 252, 0);

    public static async Task<IBacktestRunGrain> Create(IGrainFactory grains, BacktestRequest request, string user = "tester")
    {
        var grain = grains.GetGrain<IBacktestRunGrain>(Guid.NewGuid().ToString("N"));
        Assert.Equal(BacktestStatus.Queued, (await grain.Create(request, user))?.Status);
        return grain;
    }

    public static Task<BacktestRun> Until(IBacktestRunGrain grain, Func<BacktestRun, bool> done, string what) =>
        Eventually.Get(async () => (await grain.Get())!, done, Patience, what);
}

[Collection(BacktestClusterCollection.Name)]
public sealed class RunLifecycleTests(BacktestClusterFixture fixture, ITestOutputHelper output)
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task A_running_run_stops_soon_after_cancel_and_keeps_no_results()
    {
        var run = await Runs.Create(Grains, Runs.Request(40_000)); // 10 s of paced candles
        await Runs.Until(run, r => r.Status == BacktestStatus.Running && r.Bars > 0, "the run is running");

        var clock = Stopwatch.StartNew();
        Assert.Equal(CancelOutcome.Accepted, await run.Cancel());
        var cancelled = await Runs.Until(run, r => r.IsFinished, "the run stops");
        output.WriteLine($"cancel → cancelled in {clock.ElapsedMilliseconds} ms");

        Assert.Equal(BacktestStatus.Cancelled, cancelled.Status);
        Assert.True(cancelled.Bars < 40_000, "the run stopped before the end of its candles");
        Assert.Equal(CancelOutcome.AlreadyFinished, await run.Cancel());
        var store = fixture.Cluster.Primary is InProcessSiloHandle silo ? silo.SiloHost.Services.GetRequiredService<IBacktestStore>() : null;
        Assert.NotNull(store);
        Assert.Null(await store.Results(cancelled.Id, new Common.PageRequest(1, 10)));
    }

    [Fact]
    public async Task Each_silo_runs_at_most_its_slots_and_the_rest_queue_until_all_complete()
    {
        var runs = new List<IBacktestRunGrain>();
        for (var i = 0; i < 5; i++) runs.Add(await Runs.Create(Grains, Runs.Request(4_000, $"Q{i}"), i % 2 == 0 ? "ann" : "ben")); // 1 s each
        var queue = Grains.GetGrain<IBacktestQueueGrain>(BacktestQueueGrain.Key);

        var maxRunning = 0;
        while (true)
        {
            var view = await queue.Describe();
            maxRunning = Math.Max(maxRunning, view.Running.Length);
            var perSilo = view.Running.GroupBy(l => l.Worker[..l.Worker.IndexOf('#')]).Select(g => g.Count()).DefaultIfEmpty(0).Max();
            Assert.True(perSilo <= 1, $"one slot per silo, but a silo held {perSilo} leases");
            var states = await Task.WhenAll(runs.Select(r => r.Get()));
            if (states.All(s => s!.IsFinished)) break;
            await Task.Delay(50);
        }

        Assert.Equal(2, maxRunning); // both silos busy while five runs wait
        foreach (var run in runs)
        {
            var state = (await run.Get())!;
            Assert.Equal(BacktestStatus.Completed, state.Status);
            Assert.Equal(4_000, state.Bars);
        }
    }

    [Fact]
    public async Task Create_answers_the_run_as_queued_and_a_taken_id_with_null()
    {
        var grain = Grains.GetGrain<IBacktestRunGrain>(Guid.NewGuid().ToString("N"));
        var request = Runs.Request(400, "T1");
        var created = await grain.Create(request, "ann");
        Assert.NotNull(created);
        Assert.Equal((grain.GetPrimaryKeyString(), BacktestStatus.Queued, "ann"), (created.Id, created.Status, created.CreatedBy));

        Assert.Null(await grain.Create(Runs.Request(800, "T2"), "ben"));
        var finished = await Runs.Until(grain, r => r.IsFinished, "the first request's run finishes");
        Assert.Equal(("ann", 400), (finished.CreatedBy, finished.Bars)); // the second create changed nothing
    }

    [Fact]
    public async Task Reading_or_cancelling_an_unknown_run_leaves_no_activation_behind()
    {
        var read = Guid.NewGuid().ToString("N");
        var cancelled = Guid.NewGuid().ToString("N");
        var management = Grains.GetGrain<IManagementGrain>(0);

        Assert.Null(await Grains.GetGrain<IBacktestRunGrain>(read).Get());
        Assert.Equal(CancelOutcome.NotFound, await Grains.GetGrain<IBacktestRunGrain>(cancelled).Cancel());

        await Eventually.True(async () =>
        {
            var active = await management.GetActiveGrains(GrainType.Create("backtest-run"));
            return !active.Any(g => g.Key.ToString() == read || g.Key.ToString() == cancelled);
        }, TimeSpan.FromSeconds(30), "the unknown runs' activations were not released");
        var created = await Runs.Create(Grains, Runs.Request(400, "U1"));
        var live = await management.GetActiveGrains(GrainType.Create("backtest-run"));
        Assert.Contains(live, g => g.Key.ToString() == created.GetPrimaryKeyString()); // the query sees real activations
        await Runs.Until(created, r => r.IsFinished, "the created run finishes");
    }
}

[Collection(BacktestFailoverCollection.Name)]
public sealed class RunFailoverTests(BacktestFailoverFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task A_run_whose_silo_is_killed_is_started_again_elsewhere_and_completes()
    {
        var grains = fixture.Cluster.Client;
        var victim = fixture.Cluster.SecondarySilos[0];
        // Two runs, one slot per silo: one of them runs on the secondary.
        var runs = new[] { await Runs.Create(grains, Runs.Request(24_000, "F1")), await Runs.Create(grains, Runs.Request(24_000, "F2")) };
        var queue = grains.GetGrain<IBacktestQueueGrain>(BacktestQueueGrain.Key);
        var onVictim = await Eventually.Get(async () => (await queue.Describe()).Running.FirstOrDefault(l => l.Worker.StartsWith(victim.SiloAddress.ToString(), StringComparison.Ordinal)),
            l => l is not null, Runs.Patience, "a run leased by the secondary silo");
        var run = runs.Single(r => r.GetPrimaryKeyString() == onVictim!.RunId);
        await Runs.Until(run, r => r.Status == BacktestStatus.Running && r.Bars > 0, "the run makes progress on the secondary");

        var clock = Stopwatch.StartNew();
        await fixture.Cluster.KillSiloAsync(victim);
        var again = await Runs.Until(run, r => r.Attempts >= 2 && r.Status == BacktestStatus.Running, "the run is running again");
        output.WriteLine($"kill → running again in {clock.ElapsedMilliseconds} ms");

        var done = await Runs.Until(run, r => r.IsFinished, "the resumed run finishes");
        output.WriteLine($"kill → completed in {clock.ElapsedMilliseconds} ms, attempts {done.Attempts}");
        Assert.Equal(BacktestStatus.Completed, done.Status);
        Assert.Equal(24_000, done.Bars);
        Assert.True(again.Attempts >= 2);
        var other = await Runs.Until(runs.Single(r => r != run), r => r.IsFinished, "the other run finishes");
        Assert.True(other.Status == BacktestStatus.Completed, $"the other run (never on the killed silo's worker) is {other.Status}: {other.Error}");
    }
}
