using System.Diagnostics;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// A PostgreSQL server of one test's own, started through <c>scripts/postgres.sh</c> on a free port with its data
/// under <c>.tmp/</c>. Tests that stop the database (outage drills) need one: the shared test server
/// (<c>TRADING_TEST_POSTGRES</c>) serves other tests at the same time and must never be stopped.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(90);

    private PrivatePostgres(int port, string dataDirectory)
    {
        Port = port;
        DataDirectory = dataDirectory;
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=postgres;Password=postgres;Database=postgres";
    }

    public int Port { get; }
    public string DataDirectory { get; }
    public string ConnectionString { get; }

    /// <summary>Creates a fresh cluster (initdb) on a free port and starts it.</summary>
    public static async Task<PrivatePostgres> Create(string purpose)
    {
        var server = new PrivatePostgres(FreePort.Next(), Path.Combine(RepoPaths.Root, ".tmp", $"pg-{purpose}-{Guid.NewGuid():N}"[..20]));
        await server.Start();
        return server;
    }

    /// <summary>Starts the server and returns once it accepts connections (<c>pg_ctl start -w</c>).</summary>
    public Task Start() => Run("start");

    /// <summary>
    /// Fast shutdown (<c>pg_ctl stop -m fast -w</c>, as the script does): open sessions are ended, the server is down
    /// when this returns. What an operator's restart or a crash-free failover looks like to clients.
    /// </summary>
    public Task Stop() => Run("stop");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Stop();
        }
        finally
        {
            if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
        }
    }

    private async Task Run(string verb)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.Root, "scripts", "postgres.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["TP_PG_PORT"] = Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["TP_PG_DIR"] = DataDirectory;
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(ScriptTimeout);
        var stdout = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = process.StandardError.ReadToEndAsync(timeout.Token);
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/postgres.sh {verb} (port {Port}) exited with {process.ExitCode}: {(await stdout).Trim()} {(await stderr).Trim()}");
    }
}
