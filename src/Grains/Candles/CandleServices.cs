using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using TradingPlatform.Hosting;

namespace TradingPlatform.Candles;

public static class CandleServices
{
    /// <summary>
    /// The <see cref="ICandleStore"/> of this mode: Postgres when <c>ConnectionStrings:Postgres</c> is set, in memory
    /// otherwise. Called by the silo (<c>AddTradingServices</c>: backtests read candles) and by the API (endpoints);
    /// TryAdd, so in embedded mode, where both share one container, they share one store.
    /// </summary>
    public static IServiceCollection AddCandleStore(this IServiceCollection services, IConfiguration configuration) =>
        services.AddStoreByMode<ICandleStore, InMemoryCandleStore>(configuration, (sp, db) => new PostgresCandleStore(db, sp.GetRequiredService<ILogger<PostgresCandleStore>>()));
}
