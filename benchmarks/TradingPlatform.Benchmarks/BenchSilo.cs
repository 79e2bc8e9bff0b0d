using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using TradingPlatform.Hosting;

namespace TradingPlatform.Benchmarks;

/// <summary>
/// A real silo in this process, composed exactly as the hosts compose it (<c>UseTradingCluster</c>, and
/// <c>AddTradingDatabase</c> before Orleans in Postgres mode), on free loopback ports. In Postgres mode it
/// gets a database of its own, created by the migration and dropped on dispose.
/// </summary>
public sealed class BenchSilo : IAsyncDisposable
{
    private readonly IHost _host;
    private readonly string? _server;

    private BenchSilo(IHost host, string mode, string? connectionString, string? server, string? database)
    {
        _host = host;
        Mode = mode;
        ConnectionString = connectionString;
        _server = server;
        Database = database;
    }

    public string Mode { get; }

    /// <summary>The benchmark database (Postgres mode), else null.</summary>
    public string? ConnectionString { get; }

    public string? Database { get; }

    public bool KeepDatabase { get; init; }

    public IGrainFactory Grains => _host.Services.GetRequiredService<IGrainFactory>();

    public IServiceProvider Services => _host.Services;

    public static async Task<BenchSilo> Start(string mode, string scenario, BenchOptions options, WarningLog log)
    {
        string? connectionString = null, database = null;
        if (mode == "postgres")
        {
            database = string.Create(CultureInfo.InvariantCulture, $"bench_{scenario}_{Guid.NewGuid():N}")[..40];
            connectionString = new NpgsqlConnectionStringBuilder(options.Postgres) { Database = database }.ConnectionString;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        var settings = new Dictionary<string, string?>
        {
            // Throughput runs: the per-strategy order-rate check must not be what limits them.
            ["Risk:MaxOrdersPerSecondPerStrategy"] = "10000000",
            ["Orleans:ClusterId"] = $"bench-{Guid.NewGuid():N}",
            ["Orleans:ServiceId"] = "tradingplatform-bench",
            ["Orleans:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
            ["Orleans:ResponseTimeoutSeconds"] = "30",
        };
        if (connectionString is not null) settings["ConnectionStrings:Postgres"] = connectionString;
        builder.Configuration.AddInMemoryCollection(settings);

        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddProvider(log);

        builder.Services.AddTradingDatabase(builder.Configuration); // Postgres only: data source + migration, before Orleans
        builder.UseOrleans(silo => silo.UseTradingCluster(builder.Configuration));

        var host = builder.Build();
        await host.StartAsync();
        return new BenchSilo(host, mode, connectionString, connectionString is null ? null : options.Postgres, database)
        {
            KeepDatabase = options.KeepDatabases,
        };
    }

    public async ValueTask DisposeAsync()
    {
        using (var stop = new CancellationTokenSource(TimeSpan.FromSeconds(30)))
        {
            await _host.StopAsync(stop.Token);
        }
        _host.Dispose();
        if (_server is null || Database is null || KeepDatabase) return;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>Runs a scalar query against the benchmark database (Postgres mode).</summary>
    public async Task<long> Scalar(string sql) => Convert.ToInt64(await Query(sql), CultureInfo.InvariantCulture);

    /// <summary>The server's version and the settings that decide what a commit costs (Postgres mode).</summary>
    public async Task<string> ServerDescription() => Text.I(
        $"PostgreSQL {await Query("SHOW server_version")}, fsync {await Query("SHOW fsync")}, synchronous_commit {await Query("SHOW synchronous_commit")}");

    private async Task<object?> Query(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString ?? throw new InvalidOperationException("Not in Postgres mode."));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
