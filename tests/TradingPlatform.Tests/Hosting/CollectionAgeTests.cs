using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;
using TradingPlatform.Hosting;
using TradingPlatform.Tests.Infrastructure;

namespace TradingPlatform.Tests.Hosting;

/// <summary><c>Orleans:CollectionAgeMinutes</c> is the collection age of every silo (Orleans' <see cref="GrainCollectionOptions"/>).</summary>
[Collection(TunedClusterCollection.Name)]
public sealed class CollectionAgeTests(TunedClusterFixture fixture)
{
    [Fact]
    public void The_configured_collection_age_reaches_every_silo()
    {
        foreach (var silo in fixture.Cluster.Silos)
            Assert.Equal(TimeSpan.FromMinutes(TunedClusterFixture.CollectionAgeMinutes), CollectionAge(silo));
    }

    [Fact]
    public void An_age_orleans_would_refuse_is_refused_when_the_silo_is_configured()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Orleans:CollectionAgeMinutes"] = "1"; // not above Orleans' one-minute collection quantum

        var error = Assert.Throws<OptionsValidationException>(() => builder.UseOrleans(silo => silo.AddTradingGrains()));
        Assert.Contains("CollectionAgeMinutes", error.Message, StringComparison.Ordinal);
    }

    internal static TimeSpan CollectionAge(SiloHandle silo) =>
        Assert.IsType<InProcessSiloHandle>(silo).SiloHost.Services.GetRequiredService<IOptions<GrainCollectionOptions>>().Value.CollectionAge;
}

[Collection(ClusterCollection.Name)]
public sealed class DefaultCollectionAgeTests(ClusterFixture fixture)
{
    [Fact]
    public void Without_configuration_it_is_fifteen_minutes()
    {
        foreach (var silo in fixture.Cluster.Silos)
            Assert.Equal(TimeSpan.FromMinutes(15), CollectionAgeTests.CollectionAge(silo));
    }
}
