using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Npgsql;
using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.Common;
using TradingPlatform.Execution;
using TradingPlatform.Risk;
using TradingPlatform.Rollups;
using TradingPlatform.Risk.Delivery;
using TradingPlatform.Storage;

namespace TradingPlatform.Hosting;

/// <summary>Silo-side trading services: journals (Postgres or memory, by mode), execution venue, risk options.</summary>
public static class TradingServices
{
    public static IServiceCollection AddTradingServices(this IServiceCollection services, IConfiguration configuration)
    {
        services.TryAddSingleton(TimeProvider.System);
        TradingMetrics.Initialize();
        services.AddOptions<RiskOptions>().Bind(configuration.GetSection(RiskOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Topics.TopicOptions>().Bind(configuration.GetSection(Topics.TopicOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<Strategies.StrategyOptions>().Bind(configuration.GetSection(Strategies.StrategyOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<ExecutionOptions>().Bind(configuration.GetSection(ExecutionOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<IExecutionVenue, PaperVenue>();
        services.AddBacktestExecution(configuration);
        services.AddCandleStore(configuration);
        services.AddDailyRollups(configuration);
        services.AddAlertDelivery(configuration);

        var connectionString = Platform.PostgresConnectionString(configuration);
        if (connectionString is null)
        {
            services.TryAddSingleton<ITradingJournal, InMemoryTradingJournal>();
            services.TryAddSingleton<IAuditLog>(sp => new InMemoryAuditLog(sp.GetRequiredService<TimeProvider>()));
            return services;
        }
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton<ITradingJournal>(sp =>
            new PostgresTradingJournal(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<ILogger<PostgresTradingJournal>>()));
        services.TryAddSingleton<IAuditLog>(sp => new PostgresAuditLog(sp.GetRequiredService<NpgsqlDataSource>(), sp.GetRequiredService<TimeProvider>()));
        return services;
    }
}
