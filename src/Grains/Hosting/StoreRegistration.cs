using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace TradingPlatform.Hosting;

public static class StoreRegistration
{
    /// <summary>
    /// A store of this process's mode: <typeparamref name="TMemory"/> in embedded mode, the one <paramref name="postgres"/>
    /// builds on the process's <see cref="NpgsqlDataSource"/> when <c>ConnectionStrings:Postgres</c> is set. TryAdd, so a
    /// silo and an API sharing one container (embedded mode, tests) share one store, whichever registers it first.
    /// </summary>
    public static IServiceCollection AddStoreByMode<TStore, TMemory>(this IServiceCollection services, IConfiguration configuration,
        Func<IServiceProvider, NpgsqlDataSource, TStore> postgres)
        where TStore : class
        where TMemory : class, TStore
    {
        var connectionString = Platform.PostgresConnectionString(configuration);
        if (connectionString is null)
        {
            services.TryAddSingleton<TStore, TMemory>();
            return services;
        }
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton(sp => postgres(sp, sp.GetRequiredService<NpgsqlDataSource>()));
        return services;
    }
}
