using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// A real silo or API process (<c>dotnet src/…/bin/…/X.dll</c>) on loopback, as operators run them.
/// Keeps the last lines of its output for failure messages. A process that has exited can be started again
/// as it was (<see cref="Restart"/>): same ports, URL and settings, as a supervisor restarts a crashed host.
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StartSpec _spec;
    private readonly ConcurrentQueue<string> _output = new();

    /// <summary>Everything needed to start the same host again.</summary>
    private sealed record StartSpec(string Name, string Dll, string ConnectionString, string ClusterId, Dictionary<string, string> Environment, Uri Url);

    private HostProcess(StartSpec spec, Process process)
    {
        Name = spec.Name;
        _spec = spec;
        _process = process;
        BaseAddress = spec.Url;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }
    public Uri BaseAddress { get; }
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;

    /// <summary>The exit code once the process has exited, else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>A silo on the given ports; <paramref name="settings"/> adds or overrides environment variables (empty value: unset).</summary>
    public static HostProcess StartSilo(string name, string connectionString, string clusterId, int siloPort, int gatewayPort,
        Dictionary<string, string>? settings = null)
    {
        var environment = new Dictionary<string, string>(settings ?? [], StringComparer.Ordinal)
        {
            ["Orleans__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return Start(name, RepoPaths.HostDll("Silo", "TradingPlatform.Silo"), connectionString, clusterId, environment);
    }

    public static HostProcess StartApi(string name, string connectionString, string clusterId, Dictionary<string, string>? settings = null) =>
        Start(name, RepoPaths.HostDll("Api", "TradingPlatform.Api"), connectionString, clusterId, settings ?? []);

    private static HostProcess Start(string name, string dll, string connectionString, string clusterId, Dictionary<string, string> environment)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the solution first: {dll} is missing", dll);
        return Start(new StartSpec(name, dll, connectionString, clusterId, environment, new Uri($"http://127.0.0.1:{FreePort.Next()}")));
    }

    /// <summary>
    /// Starts this host again after it exited (killed or stopped): the same executable, settings, silo and
    /// gateway ports and HTTP address, so the cluster sees the same endpoint come back with a new generation.
    /// </summary>
    public HostProcess Restart()
    {
        if (!_process.HasExited) throw new InvalidOperationException($"{Name} is still running (pid {_process.Id})");
        return Start(_spec);
    }

    private static HostProcess Start(StartSpec spec)
    {
        var (_, dll, connectionString, clusterId, environment, url) = spec;
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.Environment["ASPNETCORE_URLS"] = url.ToString();
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        start.Environment["Auth__SigningKey"] = EmbeddedApiFactory.SigningKey;
        start.Environment["Auth__BootstrapAdmin__Username"] = EmbeddedApiFactory.AdminUsername;
        start.Environment["Auth__BootstrapAdmin__Password"] = EmbeddedApiFactory.AdminPassword;
        // Tests that poll (failover) must not run into the contract's 100 reads/min; rate-limit tests override these.
        start.Environment["RateLimits__Dashboard__PermitsPerMinute"] = "1000000";
        start.Environment["RateLimits__Admin__PermitsPerMinute"] = "1000000";
        start.Environment["ConnectionStrings__Postgres"] = connectionString;
        start.Environment["Orleans__ClusterId"] = clusterId;
        start.Environment["Orleans__ServiceId"] = clusterId;
        foreach (var (key, value) in environment) start.Environment[key] = value.Length == 0 ? null : value;
        return new HostProcess(spec, Process.Start(start)!);
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200.</summary>
    public async Task WaitReady(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            // An exit ends the wait at once (a silo evicted from the cluster while it started stops itself).
            await Eventually.True(async () => _process.HasExited
                || (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).IsSuccessStatusCode, timeout, $"{Name} ready");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n--- {Name} output ---\n{Output()}", e);
        }
        if (_process.HasExited)
            throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready\n--- {Name} output ---\n{Output()}");
    }

    /// <summary>SIGTERM: the graceful stop operators and orchestrators send; waits for the exit.</summary>
    public async Task Terminate(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        _ = SendSignal(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>Sends SIGTERM and returns at once (<see cref="WaitForExit"/> waits for the exit).</summary>
    public void SignalTerminate()
    {
        if (!_process.HasExited) _ = SendSignal(_process.Id, 15);
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public async Task Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public string Output() => string.Join('\n', _output);

    /// <summary>Every line the process writes (standard output and error), as it comes; for tests that count log events over a whole run.</summary>
    public event Action<string>? LineWritten;

    /// <summary>Waits for the process to exit by itself and returns its exit code.</summary>
    public async Task<int> WaitForExit(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    /// <summary>An HTTP client for this process, logged in as the bootstrap admin.</summary>
    public async Task<HttpClient> AdminClient()
    {
        var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        var login = await (await http.PostJson("/v1/auth/login", new { username = EmbeddedApiFactory.AdminUsername, password = EmbeddedApiFactory.AdminPassword })).Read();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", (string)login["accessToken"]!);
        return http;
    }

    public async ValueTask DisposeAsync()
    {
        await Kill();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null) return;
        LineWritten?.Invoke(line);
        _output.Enqueue(line);
        while (_output.Count > 300) _output.TryDequeue(out _);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
