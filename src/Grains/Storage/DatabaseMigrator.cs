using System.Diagnostics;
using DbUp;
using DbUp.Engine;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace TradingPlatform.Storage;

/// <summary>
/// Brings a Postgres database to the current schema: Orleans' clustering, storage and reminder tables
/// and queries, and our own tables. Scripts are embedded SQL files under Storage/Migrations, applied
/// once each in name order and journaled in <c>schema_versions</c>. Safe when many processes start at
/// once: they serialize on a Postgres advisory lock, and the later ones find nothing left to do.
/// </summary>
public static partial class DatabaseMigrator
{
    /// <summary>Arbitrary but fixed: every TradingPlatform process takes this lock to migrate.</summary>
    private const long AdvisoryLockKey = 0x5452_4144_494E_4701; // "TRADING" + 1

    public static Task<IReadOnlyList<string>> MigrateAsync(string connectionString, ILogger logger, TimeSpan waitForServer, CancellationToken cancellationToken = default) =>
        MigrateAsync(connectionString, logger, waitForServer, null, cancellationToken);

    /// <param name="through">
    /// The last script to apply (e.g. <c>0009_alert_deliveries.sql</c>), null for all: tests of a migration over data
    /// written in the schema before it.
    /// </param>

    public static async Task<IReadOnlyList<string>> MigrateAsync(string connectionString, ILogger logger, TimeSpan waitForServer, string? through,
        CancellationToken cancellationToken = default)
    {
        await WaitForServer(connectionString, logger, waitForServer, cancellationToken);
        CreateDatabaseIfMissing(connectionString, logger);

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        try
        {
            var upgrader = DeployChanges.To.PostgresqlDatabase(connectionString)
                .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly, name => name.Contains(".Storage.Migrations.", StringComparison.Ordinal)
                    && (through is null || string.CompareOrdinal(ScriptName(name), through) <= 0))
                .WithTransactionPerScript()
                .JournalToPostgresqlTable("public", "schema_versions")
                .LogToNowhere()
                .Build();
            var result = upgrader.PerformUpgrade();
            if (!result.Successful)
                throw new InvalidOperationException($"Database migration failed in {result.ErrorScript?.Name}: {result.Error.Message}", result.Error);
            var applied = result.Scripts.Select(ScriptName).ToArray();
            if (applied.Length > 0)
            {
                var names = string.Join(", ", applied);
                LogApplied(logger, applied.Length, names);
            }
            else LogUpToDate(logger);
            return applied;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private static string ScriptName(SqlScript script) => ScriptName(script.Name);

    private static string ScriptName(string name)
    {
        var marker = name.IndexOf(".Migrations.", StringComparison.Ordinal);
        return marker < 0 ? name : name[(marker + ".Migrations.".Length)..];
    }

    private static void CreateDatabaseIfMissing(string connectionString, ILogger logger)
    {
        try
        {
            DbUp.EnsureDatabase.For.PostgresqlDatabase(connectionString, new DbUp.Engine.Output.NoOpUpgradeLog());
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.DuplicateDatabase or PostgresErrorCodes.UniqueViolation)
        {
            LogCreatedConcurrently(logger); // another process created it between the check and the create
        }
    }

    private static async Task WaitForServer(string connectionString, ILogger logger, TimeSpan budget, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(builder.ConnectionString);
                await connection.OpenAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException e) when (clock.Elapsed < budget)
            {
                LogWaiting(logger, builder.Host, builder.Port, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database migrated: applied {Count} script(s): {Scripts}")]
    private static partial void LogApplied(ILogger logger, int count, string scripts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date")]
    private static partial void LogUpToDate(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Database was created by another process at the same time")]
    private static partial void LogCreatedConcurrently(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Waiting for PostgreSQL at {Host}:{Port}: {Reason}")]
    private static partial void LogWaiting(ILogger logger, string? host, int port, string reason);
}
