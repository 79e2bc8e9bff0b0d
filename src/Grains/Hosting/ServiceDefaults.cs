using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Prometheus;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;
using TradingPlatform.Storage;

namespace TradingPlatform.Hosting;

/// <summary>What every process (silo or API node) has: JSON logs, the database, health checks, metrics.</summary>
public static class ServiceDefaults
{
    public const string ReadyTag = "ready";

    public static WebApplicationBuilder AddTradingServiceDefaults(this WebApplicationBuilder builder)
    {
        builder.Services.AddSerilog((services, logger) => logger
            .MinimumLevel.Information()
            .MinimumLevel.Override("Microsoft.AspNetCore", LogEventLevel.Warning)
            .MinimumLevel.Override("Microsoft.Extensions.Diagnostics.HealthChecks", LogEventLevel.Warning)
            .MinimumLevel.Override("Orleans", LogEventLevel.Warning)
            // Orleans' placement runs through a Polly pipeline that logs two Information lines per execution (each new
            // activation); its retries (OnRetry) are Warnings and stay.
            .MinimumLevel.Override("Polly", LogEventLevel.Warning)
            .ReadFrom.Configuration(builder.Configuration)
            .Enrich.FromLogContext()
            .Enrich.WithProperty("Application", builder.Environment.ApplicationName)
            // Off the request path: a background writer with a bounded buffer that drops (never blocks) when full.
            .WriteTo.Async(sink => sink.Console(new RenderedCompactJsonFormatter()), bufferSize: 50_000, blockWhenFull: false));
        CachingLoggerFactory.Decorate(builder.Services);

        var health = builder.Services.AddHealthChecks()
            .AddCheck<ClusterHealthCheck>("cluster", tags: [ReadyTag]);
        builder.Services.AddTradingDatabase(builder.Configuration);
        if (Platform.ModeOf(builder.Configuration) == PlatformMode.Cluster)
            health.AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag]);
        return builder;
    }

    /// <summary>
    /// In cluster mode: a pooled <see cref="NpgsqlDataSource"/> and the schema migration, which runs
    /// before Orleans starts (hosted services start in registration order, so call this before UseOrleans).
    /// </summary>
    public static IServiceCollection AddTradingDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = Platform.PostgresConnectionString(configuration);
        if (connectionString is null || services.Any(s => s.ServiceType == typeof(NpgsqlDataSource))) return services;
        services.AddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.AddHostedService<DatabaseMigrationService>();
        return services;
    }

    /// <summary><c>/health</c> (liveness), <c>/health/ready</c> (readiness, names the failing check) and <c>/metrics</c>.</summary>
    public static IEndpointRouteBuilder MapOperationalEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/health", () => TypedResults.Ok(new LivenessResponse("healthy", Platform.Version)))
            .WithTags("Operations").WithName("Liveness").AllowAnonymous();
        endpoints.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteReadiness,
        }).WithTags("Operations").WithName("Readiness").AllowAnonymous();
        endpoints.MapMetrics("/metrics").AllowAnonymous();
        return endpoints;
    }

    private static readonly JsonSerializerOptions ReadinessJson = new(JsonSerializerDefaults.Web);

    private static Task WriteReadiness(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString().ToLowerInvariant(),
            version = Platform.Version,
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString().ToLowerInvariant(), description = e.Value.Description }),
            failing = report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => e.Key).ToArray(),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, ReadinessJson));
    }

    public sealed record LivenessResponse(string Status, string Version);

    private sealed partial class DatabaseMigrationService(IConfiguration configuration, ILogger<DatabaseMigrationService> logger) : IHostedService
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var connectionString = Platform.PostgresConnectionString(configuration)!;
            await DatabaseMigrator.MigrateAsync(connectionString, logger, TimeSpan.FromSeconds(60), cancellationToken);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
