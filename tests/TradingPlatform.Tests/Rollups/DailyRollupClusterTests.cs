using System.Collections.Immutable;
using Npgsql;
using TradingPlatform.Common;
using TradingPlatform.Orders;
using TradingPlatform.Positions;
using TradingPlatform.Rollups;
using TradingPlatform.Strategies;
using TradingPlatform.Testing;
using TradingPlatform.Tests.Infrastructure;
using TradingPlatform.Tests.Strategies;

namespace TradingPlatform.Tests.Rollups;

/// <summary>
/// The rollups in cluster mode: two silos on Postgres (ADO.NET reminders and grain storage, the Postgres rollup
/// store), the rollups' clock crossing midnight. The shared cluster's rollup clock only moves forward, from the day it is on.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DailyRollupClusterTests(ClusterFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private NpgsqlDataSource _dataSource = null!;

    private ManualClock Clock => fixture.RollupClock;

    private IGrainFactory Grains => fixture.Cluster.GrainFactory;

    public Task InitializeAsync()
    {
        _dataSource = NpgsqlDataSource.Create(fixture.Database.ConnectionString);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    [Fact]
    public async Task In_cluster_mode_the_rollup_grain_keeps_a_durable_reminder_and_writes_the_day_to_postgres_at_midnight()
    {
        // Every silo asks the rollup grain to catch up when it starts; the grain then holds its reminder in Postgres.
        await Eventually.True(async () =>
        {
            await using var command = _dataSource.CreateCommand("SELECT count(*) FROM OrleansRemindersTable WHERE ReminderName = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = DailyRollupGrain.ReminderName });
            return (long)(await command.ExecuteScalarAsync())! == 1;
        }, Patience, "the daily-rollup reminder row");

        var id = Specs.NewId("r");
        var symbol = ("R" + Guid.NewGuid().ToString("N"))[..10].ToUpperInvariant();
        var strategy = Grains.GetGrain<IStrategyGrain>(id);
        await strategy.Create(new StrategySpec(id, "rollup", StrategyKind.Manual, [symbol], ImmutableSortedDictionary<string, decimal>.Empty, Specs.Risk));
        var day = RollupDays.DayOf(Clock.Now);
        var noon = RollupDays.StartOf(day).AddHours(12);
        Assert.Equal(FillOutcomeKind.Recorded, (await strategy.RecordFill(new ExternalFillSpec("rf-1-" + id, null, id, symbol, Side.Buy, 3m, 50m, 0m, noon))).Kind);
        Assert.Equal(FillOutcomeKind.Recorded, (await strategy.RecordFill(new ExternalFillSpec("rf-2-" + id, null, id, symbol, Side.Sell, 1m, 60m, 0m, noon.AddMinutes(5)))).Kind);
        var pnl = (await strategy.Get())!.Pnl;
        var position = await Grains.GetGrain<IPositionGrain>(PositionKey.Of(id, symbol)).Get();

        Clock.Now = RollupDays.EndOf(day).AddSeconds(1);
        var store = new PostgresDailyRollupStore(_dataSource);
        var rows = await Eventually.Get(() => store.Query(new DailyRollupQuery(RollupScopes.Strategy(id)), new PageRequest(1, 10)),
            page => page.Total > 0, Patience, $"the snapshot of {id}");

        var row = Assert.Single(rows.Items);
        Assert.Equal(day, row.Day);
        Assert.Equal(10m, row.RealizedPnl); // 1 sold at 60 against an average of 50
        Assert.Equal(pnl.Realized, row.RealizedPnl);
        Assert.Equal(pnl.Unrealized, row.UnrealizedPnl);
        Assert.Equal(1_000_000m + pnl.Total, row.Equity); // no Rollups:StrategyCapital here: Risk:StartingEquity
        Assert.Equal(pnl.Total, row.DailyPnl);
        Assert.Equal(2m * (position.LastPrice ?? position.AveragePrice), row.GrossExposure);
        Assert.Equal(2, row.Fills);
        Assert.False(row.Late);
        Assert.Equal(RollupDays.EndOf(day).AddSeconds(1), row.CapturedAtUtc);
        var portfolio = await store.Query(new DailyRollupQuery(RollupScopes.Portfolio, day, day), new PageRequest(1, 1));
        Assert.Equal(1, portfolio.Total);
    }
}
