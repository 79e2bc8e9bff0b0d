using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TradingPlatform.Hosting;

namespace TradingPlatform.Backtesting;

public static class BacktestServices
{
    /// <summary>The run store, Postgres or memory by mode. Silos write it; API nodes read lists and results from it.</summary>
    public static IServiceCollection AddBacktestStore(this IServiceCollection services, IConfiguration configuration) =>
        services.AddStoreByMode<IBacktestStore, InMemoryBacktestStore>(configuration, (_, db) => new PostgresBacktestStore(db));

    /// <summary>Silo side: the store, the options and this silo's workers.</summary>
    public static IServiceCollection AddBacktestExecution(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BacktestOptions>().Bind(configuration.GetSection(BacktestOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddBacktestStore(configuration);
        services.AddHostedService<BacktestWorker>();
        return services;
    }
}
