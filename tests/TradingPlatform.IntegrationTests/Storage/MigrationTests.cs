using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Storage;

public sealed class MigrationTests
{
    private static readonly string[] QueriesOrleansRequires =
    [
        "UpdateIAmAlivetimeKey", "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
        "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "UpsertReminderRowKey", "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    private static Task<IReadOnlyList<string>> Migrate(string connectionString) =>
        DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));

    [Fact]
    public async Task A_fresh_database_gets_every_query_the_orleans_providers_need()
    {
        await using var database = await TestPostgres.CreateDatabase("migrate");

        var applied = await Migrate(database.ConnectionString);

        Assert.NotEmpty(applied);
        var keys = await Strings(database.ConnectionString, "SELECT querykey FROM orleansquery");
        Assert.All(QueriesOrleansRequires, key => Assert.Contains(key, keys));
    }

    [Fact]
    public async Task Running_the_migrations_again_applies_nothing()
    {
        await using var database = await TestPostgres.CreateDatabase("migrate");
        var first = await Migrate(database.ConnectionString);

        var second = await Migrate(database.ConnectionString);

        Assert.Empty(second);
        Assert.Equal(first.Count, (await Strings(database.ConnectionString, "SELECT scriptname FROM schema_versions")).Count);
    }

    [Fact]
    public async Task Three_processes_migrating_at_once_all_succeed_and_apply_each_script_once()
    {
        await using var database = await TestPostgres.CreateDatabase("migrate");

        var runs = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Migrate(database.ConnectionString))));

        var journal = await Strings(database.ConnectionString, "SELECT scriptname FROM schema_versions");
        Assert.Equal(journal.Count, journal.Distinct().Count());
        Assert.Equal(journal.Count, runs.Sum(r => r.Count));
        Assert.Single(runs, r => r.Count > 0);
    }

    [Fact]
    public async Task A_missing_database_is_created_even_when_several_processes_race_to_create_it()
    {
        var server = await TestPostgres.ServerConnectionString();
        var name = $"tp_missing_{Guid.NewGuid():N}"[..30];
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        try
        {
            await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => Migrate(connectionString))));

            var keys = await Strings(connectionString, "SELECT querykey FROM orleansquery");
            Assert.Contains("WriteToStorageKey", keys);
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await using var connection = new NpgsqlConnection(server);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }

    private static async Task<List<string>> Strings(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<string>();
        while (await reader.ReadAsync()) values.Add(reader.GetString(0));
        return values;
    }
}
