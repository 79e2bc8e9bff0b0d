using TradingPlatform.Strategies;
using TradingPlatform.Testing;
using TradingPlatform.Tests.Infrastructure;

namespace TradingPlatform.Tests.Strategies;

[Collection(FailoverClusterCollection.Name)]
public sealed class SiloFailureTests(FailoverClusterFixture fixture)
{
    [Fact]
    public async Task Killing_a_silo_leaves_every_strategy_readable_with_its_state()
    {
        var grains = fixture.Cluster.GrainFactory;
        var ids = Enumerable.Range(0, 40).Select(_ => Specs.NewId("k")).ToArray();
        await Task.WhenAll(ids.Select(id => grains.GetGrain<IStrategyGrain>(id).Create(Specs.SmaCross(id))));
        await Task.WhenAll(ids.Select(id => grains.GetGrain<IStrategyGrain>(id).Update(new StrategyPatch(Status: StrategyStatus.Running))));

        var secondary = fixture.Cluster.SecondarySilos[0];
        await fixture.Cluster.KillSiloAsync(secondary);

        // Activations that lived on the dead silo come back on the survivor, from Postgres.
        var snapshots = await Eventually.Get(
            () => Task.WhenAll(ids.Select(id => grains.GetGrain<IStrategyGrain>(id).Get())),
            all => all.All(s => s is not null),
            TimeSpan.FromSeconds(60),
            "every strategy readable after the kill");
        Assert.All(snapshots, s => Assert.Equal(StrategyStatus.Running, s!.Status));
        Assert.Equal(ids, snapshots.Select(s => s!.Id));
    }
}
