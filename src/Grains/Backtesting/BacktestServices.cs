using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using TradingPlatform.Hosting;

namespace TradingPlatform.Backtesting;

public static class BacktestServices
{
    /// <summary>The run store, Postgres or memory by mode. Silos write it; API nodes read lists and results from it.</summary>
    public static IServiceCollection AddBacktestStore(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = Platform.PostgresConnectionString(configuration);
        if (connectionString is null)
        {
            services.TryAddSingleton<IBacktestStore, InMemoryBacktestStore>();
            return services;
        }
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton<IBacktestStore>(sp => new PostgresBacktestStore(sp.GetRequiredService<NpgsqlDataSource>()));
        return services;
    }

    /// <summary>Silo side: the store, the options and this silo's workers.</summary>
    public static IServiceCollection AddBacktestExecution(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<BacktestOptions>().Bind(configuration.GetSection(BacktestOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddBacktestStore(configuration);
        services.AddHostedService<BacktestWorker>();
        return services;
    }
}
