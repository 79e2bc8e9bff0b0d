using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace TradingPlatform.Benchmarks.WebSockets;

/// <summary>
/// Runs the API exactly as configured by the environment (like <c>dotnet TradingPlatform.Api.dll</c>), on real
/// Kestrel at <c>--port</c>, plus <c>GET /__bench/memory</c>: the managed heap after a forced, blocking, compacting
/// full GC (<see cref="GC.GetTotalMemory(bool)"/>) and the working set. RSS alone mostly shows Server GC's heap
/// growth and slack; the difference of this figure with and without N idle connections is what they retain.
/// </summary>
public static class Program
{
    public static async Task Main(string[] args)
    {
        var port = int.Parse(args is ["--port", var p] ? p : "5620", CultureInfo.InvariantCulture);
        await using var api = new MeasuredApi();
        api.UseKestrel(port);
        api.StartServer();
        Console.WriteLine($"listening on http://127.0.0.1:{port}");
        // SIGTERM/Ctrl+C stop the host (its console lifetime); leave when it does.
        var stopping = new TaskCompletionSource();
        api.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopping.TrySetResult());
        await stopping.Task;
    }

    private sealed class MeasuredApi : WebApplicationFactory<global::Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseEnvironment(Environment.GetEnvironmentVariable("ASPNETCORE_ENVIRONMENT") ?? "Production");
            builder.UseSolutionRelativeContentRoot("src/Api");
            builder.ConfigureServices(services => services.AddSingleton<IStartupFilter, MemoryEndpoint>());
        }
    }

    /// <summary>Answers <c>/__bench/memory</c> before the API's own pipeline (loopback callers only).</summary>
    private sealed class MemoryEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            // Not async on the way through: an async frame here would stay alive with every WebSocket upgrade and
            // add its own ≈ 120 bytes to each idle connection measured (the API has no such middleware).
            app.Use((context, nextMiddleware) =>
                context.Request.Path.Equals("/__bench/memory", StringComparison.Ordinal)
                && context.Connection.RemoteIpAddress is { } remote && System.Net.IPAddress.IsLoopback(remote)
                    ? Measure(context)
                    : nextMiddleware(context));
            next(app);
        };

        private static async Task Measure(HttpContext context)
        {
            for (var i = 0; i < 3; i++)
            {
                GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
                GC.WaitForPendingFinalizers();
            }
            using var process = Process.GetCurrentProcess();
            await context.Response.WriteAsJsonAsync(new { managedBytes = GC.GetTotalMemory(forceFullCollection: true), workingSetBytes = process.WorkingSet64 });
        }
    }
}
