using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using TradingPlatform.Hosting;

namespace TradingPlatform.Rollups;

public static class RollupServices
{
    /// <summary>The rollup store of this mode (Postgres when <c>ConnectionStrings:Postgres</c> is set, else memory). TryAdd: embedded hosts share one.</summary>
    public static IServiceCollection AddDailyRollupStore(this IServiceCollection services, IConfiguration configuration) =>
        services.AddStoreByMode<IDailyRollupStore, InMemoryDailyRollupStore>(configuration, (_, db) => new PostgresDailyRollupStore(db));

    /// <summary>Silo side: options, the store, the rollup clock (the host's unless a test keys its own) and the starter.</summary>
    public static IServiceCollection AddDailyRollups(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RollupOptions>().Bind(configuration.GetSection(RollupOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddDailyRollupStore(configuration);
        services.TryAddKeyedSingleton<TimeProvider>(RollupClock.Key, (sp, _) => sp.GetRequiredService<TimeProvider>());
        services.AddHostedService<DailyRollupStarter>();
        return services;
    }
}

/// <summary>
/// When a silo starts, asks the rollup grain to catch up: that activates it (its timer and reminder) and writes the
/// days missed while the cluster was down. Retries with backoff until the cluster answers.
/// </summary>
internal sealed partial class DailyRollupStarter(IGrainFactory grains, ILogger<DailyRollupStarter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await grains.GetGrain<IDailyRollupGrain>(IDailyRollupGrain.Key).CatchUp().WaitAsync(stoppingToken);
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogRetry(logger, delay.TotalSeconds, e);
                try { await Task.Delay(delay, stoppingToken); } catch (OperationCanceledException) { return; }
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Daily rollups: the cluster did not answer yet; retrying in {Seconds} s")]
    private static partial void LogRetry(ILogger logger, double seconds, Exception exception);
}
