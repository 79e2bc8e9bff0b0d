using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// A real silo or API process (<c>dotnet src/…/bin/…/X.dll</c>) on loopback, as operators run them.
/// Keeps the last lines of its output for failure messages.
/// </summary>
public sealed partial class HostProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private HostProcess(string name, Process process, Uri baseAddress)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public string Name { get; }
    public Uri BaseAddress { get; }
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;

    public static HostProcess StartSilo(string name, string connectionString, string clusterId, int siloPort, int gatewayPort) =>
        Start(name, RepoPaths.HostDll("Silo", "TradingPlatform.Silo"), connectionString, clusterId, new()
        {
            ["Orleans__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = gatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });

    public static HostProcess StartApi(string name, string connectionString, string clusterId, Dictionary<string, string>? settings = null) =>
        Start(name, RepoPaths.HostDll("Api", "TradingPlatform.Api"), connectionString, clusterId, settings ?? []);

    private static HostProcess Start(string name, string dll, string connectionString, string clusterId, Dictionary<string, string> environment)
    {
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build the solution first: {dll} is missing", dll);
        var url = new Uri($"http://127.0.0.1:{FreePort.Next()}");
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
        return new HostProcess(name, Process.Start(start)!, url);
    }

    /// <summary>Waits until <c>/health/ready</c> answers 200.</summary>
    public async Task WaitReady(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            await Eventually.True(async () =>
            {
                if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode}");
                return (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).IsSuccessStatusCode;
            }, timeout, $"{Name} ready");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n--- {Name} output ---\n{Output()}", e);
        }
    }

    /// <summary>SIGTERM: the graceful stop operators and orchestrators send; waits for the exit.</summary>
    public async Task Terminate(TimeSpan timeout)
    {
        if (_process.HasExited) return;
        _ = SendSignal(_process.Id, 15);
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
    }

    /// <summary>SIGKILL: no shutdown code runs, as when a machine dies.</summary>
    public async Task Kill()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public string Output() => string.Join('\n', _output);

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
        _output.Enqueue(line);
        while (_output.Count > 300) _output.TryDequeue(out _);
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int SendSignal(int pid, int signal);
}
