using System.Diagnostics;
using Npgsql;

namespace TradingPlatform.Testing;

/// <summary>
/// The real PostgreSQL server tests run against. <c>TRADING_TEST_POSTGRES</c> (a connection string to
/// a server where tests may create databases) names it; without it, the private server of
/// <c>scripts/postgres.sh</c> is started (or reused) on 127.0.0.1:55432.
/// Each fixture gets its own fresh database, dropped when the fixture ends.
/// </summary>
public static class TestPostgres
{
    public const string EnvironmentVariable = "TRADING_TEST_POSTGRES";
    private static readonly Lazy<Task<string>> Server = new(FindOrStartServer);

    public static Task<string> ServerConnectionString() => Server.Value;

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public static async Task<TestDatabase> CreateDatabase(string purpose)
    {
        var server = await ServerConnectionString();
        var name = $"tp_{purpose}_{Guid.NewGuid():N}".ToLowerInvariant();
        await using (var connection = new NpgsqlConnection(server))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
        return new TestDatabase(server, name, connectionString);
    }

    private static async Task<string> FindOrStartServer()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured)) return configured;

        var script = Path.Combine(RepoPaths.Root, "scripts", "postgres.sh");
        var start = Process.Start(new ProcessStartInfo("bash", [script, "start"]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var stderr = await start.StandardError.ReadToEndAsync();
        await start.WaitForExitAsync();
        if (start.ExitCode != 0)
            throw new InvalidOperationException($"No test PostgreSQL: set {EnvironmentVariable} or make scripts/postgres.sh work ({stderr.Trim()})");
        return "Host=127.0.0.1;Port=55432;Username=postgres;Password=postgres;Database=postgres";
    }
}

public sealed class TestDatabase(string server, string name, string connectionString) : IAsyncDisposable
{
    public string Name { get; } = name;
    public string ConnectionString { get; } = connectionString;

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
