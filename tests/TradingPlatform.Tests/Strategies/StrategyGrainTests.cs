using TradingPlatform.Common;
using TradingPlatform.Testing;
using TradingPlatform.Orders;
using TradingPlatform.Strategies;
using TradingPlatform.Tests.Infrastructure;

namespace TradingPlatform.Tests.Strategies;

[Collection(ClusterCollection.Name)]
public sealed class StrategyGrainTests(ClusterFixture fixture)
{
    private IStrategyGrain Strategy(string id) => fixture.Cluster.GrainFactory.GetGrain<IStrategyGrain>(id);

    [Fact]
    public async Task A_created_strategy_starts_stopped_with_its_definition()
    {
        var id = Specs.NewId();

        var outcome = await Strategy(id).Create(Specs.SmaCross(id));

        Assert.Equal(StrategyOutcomeKind.Created, outcome.Kind);
        var snapshot = await Strategy(id).Get();
        Assert.NotNull(snapshot);
        Assert.Equal(StrategyStatus.Stopped, snapshot.Status);
        Assert.Equal(StrategyKind.SmaCross, snapshot.Kind);
        Assert.Equal(20m, snapshot.Parameters["slow"]);
        Assert.Equal(0m, snapshot.Pnl.Total);
    }

    [Fact]
    public async Task A_second_create_with_the_same_id_is_a_conflict_and_changes_nothing()
    {
        var id = Specs.NewId();
        await Strategy(id).Create(Specs.SmaCross(id));

        var second = await Strategy(id).Create(Specs.Manual(id));

        Assert.Equal(StrategyOutcomeKind.Conflict, second.Kind);
        Assert.Equal(StrategyKind.SmaCross, (await Strategy(id).Get())!.Kind);
    }

    [Fact]
    public async Task An_invalid_definition_is_refused_and_nothing_is_stored()
    {
        var id = Specs.NewId();

        var outcome = await Strategy(id).Create(Specs.SmaCross(id, fast: 50, slow: 10));

        Assert.Equal(StrategyOutcomeKind.Invalid, outcome.Kind);
        Assert.Contains("parameters.fast", outcome.Errors!.Keys);
        Assert.Null(await Strategy(id).Get());
    }

    [Fact]
    public async Task An_update_changes_only_what_it_names()
    {
        var id = Specs.NewId();
        await Strategy(id).Create(Specs.SmaCross(id));

        var outcome = await Strategy(id).Update(new StrategyPatch(Status: StrategyStatus.Running, Parameters: Specs.Parameters(("fast", 3), ("slow", 30), ("quantity", 1))));

        Assert.Equal(StrategyOutcomeKind.Ok, outcome.Kind);
        var snapshot = (await Strategy(id).Get())!;
        Assert.Equal(StrategyStatus.Running, snapshot.Status);
        Assert.Equal(30m, snapshot.Parameters["slow"]);
        Assert.Equal($"SMA {id}", snapshot.Name);
        Assert.True(snapshot.UpdatedAtUtc > snapshot.CreatedAtUtc);
    }

    [Fact]
    public async Task An_invalid_update_is_refused_whole()
    {
        var id = Specs.NewId();
        await Strategy(id).Create(Specs.SmaCross(id));

        var outcome = await Strategy(id).Update(new StrategyPatch(Name: "renamed", Parameters: Specs.Parameters(("fast", 3))));

        Assert.Equal(StrategyOutcomeKind.Invalid, outcome.Kind);
        Assert.Equal($"SMA {id}", (await Strategy(id).Get())!.Name);
    }

    [Fact]
    public async Task Updating_an_unknown_strategy_is_not_found()
    {
        var outcome = await Strategy(Specs.NewId()).Update(new StrategyPatch(Name: "x"));
        Assert.Equal(StrategyOutcomeKind.NotFound, outcome.Kind);
    }

    [Fact]
    public async Task Created_strategies_are_listed_by_the_registry_in_creation_order()
    {
        var ids = Enumerable.Range(0, 3).Select(_ => Specs.NewId("r")).ToArray();
        foreach (var id in ids) await Strategy(id).Create(Specs.Manual(id));

        var registry = fixture.Cluster.GrainFactory.Registry(Registries.Strategies);
        var all = await registry.List(new PageRequest(1, PageRequest.MaxPerPage));

        var positions = ids.Select(id => all.Items.ToList().IndexOf(id)).ToArray();
        Assert.All(positions, p => Assert.True(p >= 0));
        Assert.Equal(positions.Order(), positions);
        Assert.Equal(all.Total, all.Items.Count);
    }

    [Fact]
    public async Task State_is_read_back_from_postgres_after_deactivation()
    {
        var id = Specs.NewId();
        await Strategy(id).Create(Specs.SmaCross(id));
        await Strategy(id).Update(new StrategyPatch(Status: StrategyStatus.Running));

        var management = fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero);

        var snapshot = await Strategy(id).Get();
        Assert.Equal(StrategyStatus.Running, snapshot!.Status);
    }

    [Fact]
    public async Task Reading_or_ordering_on_an_unknown_strategy_leaves_no_activation_behind()
    {
        var id = Specs.NewId();
        var management = fixture.Cluster.GrainFactory.GetGrain<IManagementGrain>(0);

        Assert.Null(await Strategy(id).Get());
        var ordered = Specs.NewId();
        var order = await Strategy(ordered).PlaceOrder(new OrderSpec(ordered, "SPY", Side.Buy, 1m, OrderType.Market, null, "probe-1"));
        Assert.Equal(OrderOutcomeKind.NotFound, order.Kind);

        await Eventually.True(async () =>
        {
            var active = await management.GetActiveGrains(GrainType.Create("strategy"));
            return !active.Any(g => g.Key.ToString() == id || g.Key.ToString() == ordered);
        }, TimeSpan.FromSeconds(30), "the unknown strategy's activation was not released");
        var created = Specs.NewId();
        await Strategy(created).Create(Specs.SmaCross(created));
        var live = await management.GetActiveGrains(GrainType.Create("strategy"));
        Assert.Contains(live, g => g.Key.ToString() == created); // the query sees real activations
    }
}
