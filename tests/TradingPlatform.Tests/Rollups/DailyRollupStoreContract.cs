using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.Common;
using TradingPlatform.Rollups;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.Tests.Rollups;

/// <summary>
/// The rules every <see cref="IDailyRollupStore"/> keeps, run against each implementation. Tests share one store; each
/// uses a scope of its own, and only one writes portfolio rows.
/// </summary>
public abstract class DailyRollupStoreContract(IDailyRollupStore store)
{
    protected IDailyRollupStore Store { get; } = store;

    protected static string NewScope() => RollupScopes.Strategy("st-" + Guid.NewGuid().ToString("N")[..12]);

    protected static DailyRollup Row(string scope, DateOnly day, decimal totalPnl, decimal dailyPnl = 0m, bool late = false) =>
        new(scope, day, 1_000m, 1_000m + totalPnl, totalPnl - 0.25m, 0.25m, dailyPnl, 123.456789m, -23.5m, 2, 7, late,
            RollupDays.EndOf(day).AddSeconds(3));

    private static readonly DateOnly Day1 = new(2023, 3, 1);

    [Fact]
    public async Task A_row_reads_back_exactly_as_written()
    {
        var scope = NewScope();
        var row = Row(scope, Day1, 12.3456789012m, 1.5m, late: true);

        Assert.Equal(1, await Store.Write([row]));

        var read = Assert.Single((await Store.Query(new DailyRollupQuery(scope), new PageRequest(1, 10))).Items);
        Assert.Equal(row, read);
        Assert.Equal(scope["strategy:".Length..], read.StrategyId);
    }

    [Fact]
    public async Task A_day_is_written_once_and_a_later_write_of_it_changes_nothing()
    {
        var scope = NewScope();

        Assert.Equal(2, await Store.Write([Row(scope, Day1, 1m), Row(scope, Day1.AddDays(1), 2m)]));
        Assert.Equal(1, await Store.Write([Row(scope, Day1, 99m), Row(scope, Day1.AddDays(2), 3m)]));

        var rows = await Store.Series(new DailyRollupQuery(scope));
        Assert.Equal([1m, 2m, 3m], rows.Select(r => r.TotalPnl));
    }

    [Fact]
    public async Task Pages_are_newest_day_first_and_ranges_are_inclusive()
    {
        var scope = NewScope();
        await Store.Write(Enumerable.Range(0, 5).Select(i => Row(scope, Day1.AddDays(i), i)).ToArray());
        await Store.Write([Row(NewScope(), Day1, 0m)]); // another scope stays out

        var page = await Store.Query(new DailyRollupQuery(scope), new PageRequest(2, 2));
        Assert.Equal(5, page.Total);
        Assert.Equal([Day1.AddDays(2), Day1.AddDays(1)], page.Items.Select(r => r.Day));

        var range = await Store.Query(new DailyRollupQuery(scope, Day1.AddDays(1), Day1.AddDays(3)), new PageRequest(1, 50));
        Assert.Equal(3, range.Total);
        Assert.Equal([Day1.AddDays(3), Day1.AddDays(2), Day1.AddDays(1)], range.Items.Select(r => r.Day));

        var series = await Store.Series(new DailyRollupQuery(scope, Day1.AddDays(3)));
        Assert.Equal([Day1.AddDays(3), Day1.AddDays(4)], series.Select(r => r.Day));
    }

    [Fact]
    public async Task The_last_complete_day_is_the_portfolios_and_the_latest_rows_before_a_day_are_per_scope()
    {
        var scope = NewScope();
        var day = new DateOnly(2031, 7, 1);
        await Store.Write([Row(scope, day, 1m), Row(RollupScopes.Portfolio, day, 1m)]);
        await Store.Write([Row(scope, day.AddDays(1), 2m), Row(scope, day.AddDays(5), 6m)]); // no portfolio row: not complete

        Assert.Equal(day, await Store.LastCompleteDay());
        var latest = await Store.LatestBefore(day.AddDays(5));
        Assert.Equal(day.AddDays(1), latest[scope].Day);
        Assert.Equal(day, latest[RollupScopes.Portfolio].Day);
        Assert.False((await Store.LatestBefore(day)).ContainsKey(scope));
    }
}

public sealed class InMemoryDailyRollupStoreTests() : DailyRollupStoreContract(new InMemoryDailyRollupStore());

/// <summary>A migrated database for one test class, with a rollup store on it.</summary>
public sealed class PostgresRollupFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabase("rollups");
        await DatabaseMigrator.MigrateAsync(Database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
        DataSource = NpgsqlDataSource.Create(Database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class PostgresDailyRollupStoreTests(PostgresRollupFixture fixture)
    : DailyRollupStoreContract(new PostgresDailyRollupStore(fixture.DataSource)), IClassFixture<PostgresRollupFixture>;
