using System.Collections;
using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using TradingPlatform.Storage;
using TradingPlatform.Tests.Infrastructure;

namespace TradingPlatform.Tests.Hosting;

/// <summary>
/// Stream pub/sub state on Postgres reads back what it wrote. Orleans keeps it in the storage named like the stream
/// provider ("trading", our grain storage), which wrote it with System.Text.Json: that writes <c>PubSubGrainState</c>
/// but cannot read it (no constructor to bind for <c>PubSubPublisherState</c>), so a rendezvous grain that moved (its
/// silo died or stopped) failed to activate and its stream stopped delivering (seen in the chaos harness's logs).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StreamPubSubStorageTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData(StorageNames.Trading)] // where Orleans keeps it: the storage named like the stream provider
    [InlineData(StorageNames.PubSub)]
    public void Pub_sub_state_with_a_producer_survives_a_round_trip_through_the_storage_serializer(string storage)
    {
        var silo = Assert.IsType<InProcessSiloHandle>(fixture.Cluster.Primary);
        var serializer = silo.SiloHost.Services.GetRequiredService<IOptionsMonitor<AdoNetGrainStorageOptions>>().Get(storage).GrainStorageSerializer;

        var streaming = typeof(Orleans.Streams.PubSubSubscriptionState).Assembly;
        var stateType = streaming.GetType("Orleans.Streams.PubSubGrainState", throwOnError: true)!;
        var publisherType = streaming.GetType("Orleans.Streams.PubSubPublisherState", throwOnError: true)!;
        var streamId = new QualifiedStreamId(StorageNames.Streams, StreamId.Create("pnl", "all"));
        var producer = GrainId.Create("sys.svc.stream.agent", "pulling-agent-1");
        var publisher = publisherType.GetConstructors(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance)
            .Single(c => c.GetParameters().Length == 2).Invoke([streamId, producer]);
        var state = Activator.CreateInstance(stateType, nonPublic: true)!;
        var producers = Member(stateType, "Producers").GetValue(state)!;
        producers.GetType().GetMethod("Add")!.Invoke(producers, [publisher]);

        var written = typeof(IGrainStorageSerializer).GetMethod(nameof(IGrainStorageSerializer.Serialize))!.MakeGenericMethod(stateType).Invoke(serializer, [state])!;
        var read = typeof(IGrainStorageSerializer).GetMethod(nameof(IGrainStorageSerializer.Deserialize))!.MakeGenericMethod(stateType).Invoke(serializer, [written])!;

        var readProducers = ((IEnumerable)Member(stateType, "Producers").GetValue(read)!).Cast<object>().ToArray();
        Assert.Single(readProducers);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
        var grainIds = publisherType.GetFields(all).Where(f => f.FieldType == typeof(GrainId)).Select(f => f.GetValue(readProducers[0]))
            .Concat(publisherType.GetProperties(all).Where(p => p.PropertyType == typeof(GrainId) && p.GetIndexParameters().Length == 0).Select(p => p.GetValue(readProducers[0])));
        Assert.Contains((object)producer, grainIds);
    }

    /// <summary>A public or internal property or field (Orleans' own state types keep some of them non-public).</summary>
    private static (Func<object, object?> GetValue, Type Type) Member(Type type, string name)
    {
        const BindingFlags flags = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance;
        if (type.GetProperty(name, flags) is { } property) return (property.GetValue, property.PropertyType);
        var field = type.GetField(name, flags) ?? throw new MissingMemberException(type.FullName, name);
        return (field.GetValue, field.FieldType);
    }
}
