using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.Rollups;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Rollups;

/// <summary>
/// The API over real Kestrel (embedded silo) whose rollup store is the Postgres one on a fresh migrated database,
/// with the rollups' own clock in the test's hands (the rest of the host keeps real time: tokens, Orleans, trading).
/// The rollup grain checks every 100 ms; strategies are measured against <see cref="StrategyCapital"/>.
/// </summary>
public sealed class RollupApiFactory : EmbeddedApiFactory, IAsyncLifetime
{
    public const decimal StrategyCapital = 10_000m;

    private TestDatabase _database = null!;

    /// <summary>The rollups' clock; starts at the real time.</summary>
    public ManualClock Clock { get; } = new();

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public PostgresDailyRollupStore Store { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _database = await TestPostgres.CreateDatabase("rollupapi");
        await DatabaseMigrator.MigrateAsync(_database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
        DataSource = NpgsqlDataSource.Create(_database.ConnectionString);
        Store = new PostgresDailyRollupStore(DataSource);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await DataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Candles:LoadSampleData"] = "false",
        ["Rollups:CheckSeconds"] = "0.1",
        ["Rollups:StrategyCapital"] = StrategyCapital.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IDailyRollupStore>();
            services.AddSingleton<IDailyRollupStore>(_ => Store);
            services.AddKeyedSingleton<TimeProvider>(RollupClock.Key, Clock);
        });
    }
}

[CollectionDefinition(Name)]
public sealed class RollupApiCollection : ICollectionFixture<RollupApiFactory>
{
    public const string Name = "rollup-api";
}
