using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;
using TradingPlatform.Hosting;

namespace TradingPlatform.Workspaces;

public static class WorkspaceServices
{
    /// <summary>The workspace store of this mode: Postgres when <c>ConnectionStrings:Postgres</c> is set, in memory otherwise.</summary>
    public static IServiceCollection AddWorkspaceStore(this IServiceCollection services, IConfiguration configuration)
    {
        var connectionString = Platform.PostgresConnectionString(configuration);
        if (connectionString is null)
        {
            services.TryAddSingleton<IWorkspaceStore, InMemoryWorkspaceStore>();
            return services;
        }
        services.TryAddSingleton(_ => NpgsqlDataSource.Create(connectionString));
        services.TryAddSingleton<IWorkspaceStore>(sp => new PostgresWorkspaceStore(sp.GetRequiredService<NpgsqlDataSource>()));
        return services;
    }
}
