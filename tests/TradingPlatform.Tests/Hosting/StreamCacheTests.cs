using System.Reflection;
using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Streams;
using Orleans.TestingHost;
using TradingPlatform.Hosting;
using TradingPlatform.Storage;
using TradingPlatform.Tests.Infrastructure;

namespace TradingPlatform.Tests.Hosting;

/// <summary>
/// The memory-stream cache's eviction settings are the ones the stream provider of a real silo was built with: its
/// adapter factory (the object that makes every queue's cache) holds them. Orleans' defaults (30 min max age, 5 min
/// min time) kept half an hour of every event in each silo's memory (the soak's live-heap growth).
/// </summary>
public static class StreamCache
{
    /// <summary>The eviction options inside the "trading" stream provider's adapter factory on <paramref name="silo"/>.</summary>
    public static StreamCacheEvictionOptions Of(SiloHandle silo)
    {
        var services = Assert.IsType<InProcessSiloHandle>(silo).SiloHost.Services;
        var factory = services.GetRequiredKeyedService<IQueueAdapterFactory>(StorageNames.Streams);
        // The factory keeps the options it was created with in a private field; found by type, not by name.
        var field = factory.GetType().GetFields(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            .Single(f => f.FieldType == typeof(StreamCacheEvictionOptions));
        return Assert.IsType<StreamCacheEvictionOptions>(field.GetValue(factory));
    }

    /// <summary>How many memory queues the "trading" provider hashes streams onto, and how often its agents poll them, on <paramref name="silo"/>.</summary>
    public static (int Queues, TimeSpan Poll) QueuesOf(SiloHandle silo)
    {
        var services = Assert.IsType<InProcessSiloHandle>(silo).SiloHost.Services;
        var queues = services.GetRequiredService<IOptionsMonitor<HashRingStreamQueueMapperOptions>>().Get(StorageNames.Streams).TotalQueueCount;
        var poll = services.GetRequiredService<IOptionsMonitor<StreamPullingAgentOptions>>().Get(StorageNames.Streams).GetQueueMsgsTimerPeriod;
        return (queues, poll);
    }
}

[Collection(TunedClusterCollection.Name)]
public sealed class StreamCacheTests(TunedClusterFixture fixture)
{
    [Fact]
    public void Configured_cache_age_and_min_time_reach_every_silos_stream_provider()
    {
        foreach (var silo in fixture.Cluster.Silos)
        {
            var options = StreamCache.Of(silo);
            Assert.Equal(TimeSpan.FromSeconds(TunedClusterFixture.CacheMaxAgeSeconds), options.DataMaxAgeInCache);
            Assert.Equal(TimeSpan.FromSeconds(TunedClusterFixture.CacheMinTimeSeconds), options.DataMinTimeInCache);
        }
    }

    [Fact]
    public void Configured_queue_count_and_poll_period_reach_every_silos_stream_provider()
    {
        foreach (var silo in fixture.Cluster.Silos)
            Assert.Equal((TunedClusterFixture.StreamQueues, TimeSpan.FromMilliseconds(TunedClusterFixture.StreamPollMilliseconds)), StreamCache.QueuesOf(silo));
    }
}

[Collection(ClusterCollection.Name)]
public sealed class DefaultStreamCacheTests(ClusterFixture fixture)
{
    [Fact]
    public void Without_configuration_the_cache_keeps_two_minutes_not_orleans_half_hour()
    {
        var options = StreamCache.Of(fixture.Cluster.Primary!);
        Assert.Equal(TimeSpan.FromSeconds(120), options.DataMaxAgeInCache);
        Assert.Equal(TimeSpan.FromSeconds(60), options.DataMinTimeInCache);
    }

    [Fact]
    public void Without_configuration_agents_poll_eight_queues_every_ten_milliseconds()
    {
        Assert.Equal((8, TimeSpan.FromMilliseconds(10)), StreamCache.QueuesOf(fixture.Cluster.Primary!));
    }
}

public sealed class StreamOptionsTests
{
    [Theory]
    [InlineData("Streams:Queues", "0")]
    [InlineData("Streams:PollMilliseconds", "0")]
    public void A_value_out_of_range_is_refused_before_the_stream_provider_is_built(string key, string value)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
        var refused = Assert.Throws<ValidationException>(() => StreamCacheOptions.From(configuration));
        Assert.Contains(key.Split(':')[1], refused.Message, StringComparison.Ordinal);
    }
}
