using System.Collections.Concurrent;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using TradingPlatform.Hosting;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.Tests.Infrastructure;

/// <summary>
/// A real two-silo Orleans test cluster whose grain storage is a fresh PostgreSQL database,
/// migrated by the same code as production. One per test collection: they are slow to start.
/// </summary>
public class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;
    public TestDatabase Database { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabase("cluster");
        await DatabaseMigrator.MigrateAsync(Database.ConnectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeSpan.FromSeconds(30));

        var builder = new TestClusterBuilder(2);
        builder.Properties[$"ConnectionStrings:{Platform.ConnectionStringName}"] = Database.ConnectionString;
        builder.Properties["Rollups:CheckSeconds"] = "0.2";
        builder.Properties[RollupClockProperty] = _rollupClockId;
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        Configure(builder);
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>Per-fixture silo settings (e.g. <c>builder.Properties["Topics:SequenceBlock"]</c>), before the cluster is built.</summary>
    protected virtual void Configure(TestClusterBuilder builder)
    {
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }

    private const string RollupClockProperty = "Tests:RollupClock";
    private static readonly ConcurrentDictionary<string, ManualClock> RollupClocks = new(StringComparer.Ordinal);
    private readonly string _rollupClockId = Guid.NewGuid().ToString("N");

    /// <summary>
    /// This cluster's daily-rollup clock (its silos run in this process). It starts at the real time and only rollup
    /// tests move it, forward; nothing else in the silos reads it, and other clusters have their own.
    /// </summary>
    public ManualClock RollupClock => RollupClocks.GetOrAdd(_rollupClockId, _ => new ManualClock());

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder)
        {
            siloBuilder.AddTradingPersistence(siloBuilder.Configuration).AddTradingGrains();
            var clock = RollupClocks.GetOrAdd(siloBuilder.Configuration[RollupClockProperty] ?? "", _ => new ManualClock());
            siloBuilder.Services.AddKeyedSingleton<TimeProvider>(global::TradingPlatform.Rollups.RollupClock.Key, clock);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}

/// <summary>A cluster of its own for tests that kill silos.</summary>
public sealed class FailoverClusterFixture : ClusterFixture;

[CollectionDefinition(Name)]
public sealed class FailoverClusterCollection : ICollectionFixture<FailoverClusterFixture>
{
    public const string Name = "failover-cluster";
}
