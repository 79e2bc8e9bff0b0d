using TradingPlatform.Hosting;

namespace TradingPlatform.Api.Infrastructure;

/// <summary>Says at start which mode this node runs in; in embedded mode, that nothing is durable.</summary>
public sealed partial class ModeBanner(IConfiguration configuration, ILogger<ModeBanner> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (Platform.ModeOf(configuration) == PlatformMode.Embedded)
        {
            LogEmbedded(logger);
        }
        else
        {
            var clusterId = TradingClusterOptions.From(configuration).ClusterId;
            LogCluster(logger, clusterId);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Embedded mode: API and silo in one process with in-memory storage, streams and reminders. NOTHING IS DURABLE: state is lost when this process stops. Set ConnectionStrings__Postgres to run on PostgreSQL.")]
    private static partial void LogEmbedded(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster mode: API node connected as an Orleans client to cluster {ClusterId} on PostgreSQL")]
    private static partial void LogCluster(ILogger logger, string clusterId);
}
