using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.TestingHost;
using TradingPlatform.Market;
using TradingPlatform.Orders;
using TradingPlatform.Risk;
using TradingPlatform.Strategies;
using TradingPlatform.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TradingPlatform.Tests.Trading;

/// <summary>
/// A two-silo cluster of its own (the test engages the global kill switch) whose order-rate limit is
/// out of the way: a flood must meet the kill switch, not <c>order_rate</c>.
/// </summary>
public sealed class KillSwitchClusterFixture : ClusterFixture, IAsyncLifetime
{
    public const int MaxOrdersPerSecondPerStrategy = 1_000_000;

    async Task IAsyncLifetime.InitializeAsync()
    {
        await InitializeAsync();
        // ClusterFixture builds its TestClusterBuilder privately, so the setting goes into each silo's
        // configuration after start-up; RiskOptions is read through IOptionsMonitor, which reloads.
        foreach (var silo in Cluster.Silos.Cast<InProcessSiloHandle>())
        {
            var services = silo.SiloHost.Services;
            var configuration = (IConfigurationRoot)services.GetRequiredService<IConfiguration>();
            configuration[$"{RiskOptions.SectionName}:{nameof(RiskOptions.MaxOrdersPerSecondPerStrategy)}"] = MaxOrdersPerSecondPerStrategy.ToString(System.Globalization.CultureInfo.InvariantCulture);
            configuration.Reload();
            var applied = services.GetRequiredService<IOptionsMonitor<RiskOptions>>().CurrentValue.MaxOrdersPerSecondPerStrategy;
            if (applied != MaxOrdersPerSecondPerStrategy)
                throw new InvalidOperationException($"Silo {silo.SiloAddress} kept Risk:MaxOrdersPerSecondPerStrategy = {applied}.");
        }
    }
}

[CollectionDefinition(Name)]
public sealed class KillSwitchClusterCollection : ICollectionFixture<KillSwitchClusterFixture>
{
    public const string Name = "kill-switch-cluster";
}

/// <summary>
/// The kill switch's promise under load: once <see cref="IKillSwitchGrain.Engage"/> has returned, no
/// order is accepted anywhere in the cluster, whichever silo its strategy lives on and however many
/// clients are sending; once released, orders are accepted again.
/// </summary>
[Collection(KillSwitchClusterCollection.Name)]
public sealed class KillSwitchGuaranteeTests(KillSwitchClusterFixture fixture, ITestOutputHelper output)
{
    private const int Strategies = 100;
    private const int Loops = 40;
    private const int Cycles = 3;

    /// <summary>Orders each phase waits for (counted, never timed) before the switch moves again.</summary>
    private const int OrdersPerPhase = 400;

    /// <summary>Strategies deactivated before each halt, and again while halted.</summary>
    private const int Churn = 10;

    private const string Symbol = "KSG";

    private sealed record Sent(long StartedAt, long FinishedAt, string StrategyId, OrderOutcome Outcome);

    /// <summary>Stopwatch timestamps of one halt/release cycle, and the wall clock right after the halt returned.</summary>
    private sealed record Cycle(long HaltStarted, long HaltReturned, DateTimeOffset HaltReturnedWall, long ReleaseStarted, DateTimeOffset ReleaseStartedWall, long ReleaseReturned);

    [Fact]
    public async Task No_order_started_after_a_global_halt_returned_is_accepted_and_a_release_lets_orders_through_again()
    {
        var cluster = fixture.Cluster;
        var grains = cluster.GrainFactory;
        await grains.GetGrain<IMarketGrain>(Symbol).OnTicks([new Tick(Symbol, 50m, DateTimeOffset.UtcNow)]);
        var ids = await TradingKit.CreateSpreadStrategies(cluster, "ks", Strategies, [Symbol]);
        var placement = await TradingKit.SilosOf(cluster, ids.Select(id => grains.GetGrain<IStrategyGrain>(id)));
        output.WriteLine($"strategy activations per silo: {TradingKit.Describe(placement)}");
        Assert.Equal(cluster.Silos.Count, placement.Count);

        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        Task Deactivate(IEnumerable<string> strategyIds) =>
            Task.WhenAll(strategyIds.Select(id => management.DeactivateGrain(grains.GetGrain<IStrategyGrain>(id).GetGrainId(), CancellationToken.None)));

        var sent = new ConcurrentQueue<Sent>();
        var failures = new ConcurrentQueue<Exception>();
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, Loops).Select(loop => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var strategyId = ids[(loop + n * Loops) % ids.Length];
                var spec = new OrderSpec(strategyId, Symbol, n % 2 == 0 ? Side.Buy : Side.Sell, 1m, OrderType.Market, null, $"l{loop}-{n}");
                var startedAt = Stopwatch.GetTimestamp();
                try
                {
                    var outcome = await grains.GetGrain<IStrategyGrain>(strategyId).PlaceOrder(spec);
                    sent.Enqueue(new Sent(startedAt, Stopwatch.GetTimestamp(), strategyId, outcome));
                }
                catch (Exception e)
                {
                    failures.Enqueue(e);
                    return;
                }
            }
        }, CancellationToken.None)).ToArray();

        var cycles = new List<Cycle>();
        try
        {
            var since = Stopwatch.GetTimestamp();
            for (var c = 0; c < Cycles; c++)
            {
                await OrdersStartedAfter(since, sent, failures);
                // Some strategies come back as new activations (on either silo) just before and while the
                // switch moves: they attach again and must learn the newest state, however the races fall.
                await Deactivate(ids.Skip(c * 2 * Churn).Take(Churn));
                var haltStarted = Stopwatch.GetTimestamp();
                var halt = await grains.KillSwitchGrain().Engage(new KillSwitchCommand(null, KillSwitchState.Halted, $"flood test cycle {c}", false, false, "test:kill-switch-guarantee"));
                var haltReturned = Stopwatch.GetTimestamp();
                var haltReturnedWall = DateTimeOffset.UtcNow;
                Assert.Equal(KillSwitchOutcomeKind.Ok, halt.Kind);
                Assert.Equal(KillSwitchState.Halted, halt.KillSwitch!.Global.State);

                await Deactivate(ids.Skip((c * 2 + 1) * Churn).Take(Churn));
                await OrdersStartedAfter(haltReturned, sent, failures);
                var releaseStartedWall = DateTimeOffset.UtcNow;
                var releaseStarted = Stopwatch.GetTimestamp();
                var release = await grains.KillSwitchGrain().Engage(new KillSwitchCommand(null, KillSwitchState.Active, $"flood test cycle {c} over", false, false, "test:kill-switch-guarantee"));
                var releaseReturned = Stopwatch.GetTimestamp();
                Assert.Equal(KillSwitchState.Active, release.KillSwitch!.Global.State);
                cycles.Add(new Cycle(haltStarted, haltReturned, haltReturnedWall, releaseStarted, releaseStartedWall, releaseReturned));
                since = releaseReturned;
            }
            await OrdersStartedAfter(since, sent, failures);
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops);
        }
        Assert.Empty(failures);
        var after = await TradingKit.SilosOf(cluster, ids.Select(id => grains.GetGrain<IStrategyGrain>(id)));
        output.WriteLine($"strategy activations per silo after {Cycles * 2 * Churn} deactivations: {TradingKit.Describe(after)}");

        var orders = sent.ToArray();
        output.WriteLine($"{orders.Length} orders from {Loops} loops over {Strategies} strategies");
        // Risk is generous and the rate limit is out of the way: the only refusals are the kill switch's.
        Assert.All(orders, o =>
        {
            Assert.Equal(OrderOutcomeKind.Placed, o.Outcome.Kind);
            Assert.True(o.Outcome.Order!.Status == OrderStatus.Filled || o.Outcome.Order.RejectReason == RejectReason.KillSwitchGlobal,
                $"{o.Outcome.Order.OrderId}: {o.Outcome.Order.Status} {o.Outcome.Order.RejectReason} {o.Outcome.Order.RejectDetail}");
        });

        for (var c = 0; c < cycles.Count; c++)
        {
            var cycle = cycles[c];
            // Started after the halt returned and answered before the release began: refused by the kill switch, nothing filled.
            var haltedPhase = orders.Where(o => o.StartedAt > cycle.HaltReturned && o.FinishedAt < cycle.ReleaseStarted).ToArray();
            Assert.All(haltedPhase, o =>
            {
                Assert.Equal(OrderStatus.Rejected, o.Outcome.Order!.Status);
                Assert.Equal(RejectReason.KillSwitchGlobal, o.Outcome.Order.RejectReason);
                Assert.Equal(0m, o.Outcome.Order.FilledQuantity);
            });
            // Started after the release returned (and answered before the next halt began): accepted and filled.
            var nextHalt = c + 1 < cycles.Count ? cycles[c + 1].HaltStarted : long.MaxValue;
            var releasedPhase = orders.Where(o => o.StartedAt > cycle.ReleaseReturned && o.FinishedAt < nextHalt).ToArray();
            Assert.All(releasedPhase, o => Assert.Equal(OrderStatus.Filled, o.Outcome.Order!.Status));
            var filledBefore = orders.Count(o => o.FinishedAt < cycle.HaltStarted && o.Outcome.Order!.Status == OrderStatus.Filled);
            output.WriteLine($"cycle {c}: halt took {Stopwatch.GetElapsedTime(cycle.HaltStarted, cycle.HaltReturned).TotalMilliseconds:0} ms, " +
                $"{haltedPhase.Length} orders started while halted (all refused), {releasedPhase.Length} started after the release (all filled)");
            Assert.True(haltedPhase.Length >= OrdersPerPhase / 2, $"cycle {c}: only {haltedPhase.Length} orders were sent while halted");
            Assert.NotEmpty(releasedPhase);
            Assert.True(filledBefore > 0, $"cycle {c}: nothing was filled before the halt");
        }

        // The journal agrees: every order decided (created) after a halt returned and before its release
        // began is rejected by the global kill switch, and no rejected order has a fill.
        await using var connection = new NpgsqlConnection(fixture.Database.ConnectionString);
        await connection.OpenAsync();
        foreach (var cycle in cycles)
        {
            await using var window = new NpgsqlCommand("""
                SELECT status, coalesce(reject_reason, ''), count(*) FROM trading_orders
                WHERE created_at > $1 AND created_at < $2 GROUP BY 1, 2
                """, connection);
            window.Parameters.AddWithValue(cycle.HaltReturnedWall);
            // A release cannot take hold within a millisecond of being asked for (it is persisted first).
            window.Parameters.AddWithValue(cycle.ReleaseStartedWall.AddMilliseconds(-1));
            var groups = new List<(string Status, string Reason, long Count)>();
            await using (var reader = await window.ExecuteReaderAsync())
            {
                while (await reader.ReadAsync()) groups.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2)));
            }
            Assert.Equal(new[] { ("rejected", "kill_switch_global") }, groups.Select(g => (g.Status, g.Reason)));
            Assert.True(groups[0].Count >= OrdersPerPhase / 2, $"only {groups[0].Count} orders journaled while halted");
        }
        await using var rejectedFills = new NpgsqlCommand(
            "SELECT count(*) FROM trading_fills f JOIN trading_orders o ON o.order_id = f.order_id WHERE o.status = 'rejected'", connection);
        Assert.Equal(0L, (long)(await rejectedFills.ExecuteScalarAsync())!);
        await using var count = new NpgsqlCommand("SELECT count(*) FROM trading_orders", connection);
        Assert.Equal(orders.Length, (long)(await count.ExecuteScalarAsync())!);
    }

    /// <summary>Waits until enough orders that started after <paramref name="after"/> have been answered.</summary>
    private static async Task OrdersStartedAfter(long after, ConcurrentQueue<Sent> sent, ConcurrentQueue<Exception> failures)
    {
        var deadline = Stopwatch.StartNew();
        while (sent.Count(o => o.StartedAt > after) < OrdersPerPhase)
        {
            if (!failures.IsEmpty) throw new AggregateException("An order loop failed", failures);
            if (deadline.Elapsed > TimeSpan.FromSeconds(30)) throw new TimeoutException($"Fewer than {OrdersPerPhase} orders answered in 30 s");
            await Task.Delay(TimeSpan.FromMilliseconds(20));
        }
    }
}
