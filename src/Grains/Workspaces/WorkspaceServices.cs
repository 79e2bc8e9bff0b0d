using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using TradingPlatform.Hosting;

namespace TradingPlatform.Workspaces;

public static class WorkspaceServices
{
    /// <summary>The workspace store of this mode: Postgres when <c>ConnectionStrings:Postgres</c> is set, in memory otherwise.</summary>
    public static IServiceCollection AddWorkspaceStore(this IServiceCollection services, IConfiguration configuration) =>
        services.AddStoreByMode<IWorkspaceStore, InMemoryWorkspaceStore>(configuration, (_, db) => new PostgresWorkspaceStore(db));
}
