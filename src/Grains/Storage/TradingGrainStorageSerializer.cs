using Orleans.Serialization;
using Orleans.Storage;

namespace TradingPlatform.Storage;

/// <summary>
/// The platform's grain storage serializer: our state as plain JSON (<see cref="SystemTextJsonGrainStorageSerializer"/>),
/// Orleans' own state (stream pub/sub: <c>PubSubGrainState</c>) with Orleans' serializer. System.Text.Json writes
/// <c>PubSubGrainState</c> but cannot read it back (<c>PubSubPublisherState</c> has no constructor it can bind), and
/// Orleans keeps pub/sub state in the storage named like the stream provider ("trading", the same name as our grain
/// storage): every rendezvous grain that moved to another silo (its silo died or stopped) failed to activate, and its
/// stream stopped delivering. Rows such a grain wrote as JSON are still read (they hold no publisher).
/// </summary>
public sealed class TradingGrainStorageSerializer(Serializer serializer) : IGrainStorageSerializer
{
    private static readonly System.Reflection.Assembly Streaming = typeof(Orleans.Streams.PubSubSubscriptionState).Assembly;
    private readonly SystemTextJsonGrainStorageSerializer _json = new();
    private readonly GrainStorageSerializer _orleans = new(new OrleansGrainStorageSerializer(serializer), new SystemTextJsonGrainStorageSerializer());

    public BinaryData Serialize<T>(T? input) => IsOrleansState(typeof(T)) ? _orleans.Serialize(input) : _json.Serialize(input);

    public T Deserialize<T>(BinaryData input) => IsOrleansState(typeof(T))
        ? _orleans.Deserialize<T>(input) ?? throw new InvalidOperationException($"Stored state for {typeof(T).Name} is null.")
        : _json.Deserialize<T>(input);

    /// <summary>Whether <paramref name="type"/> is state of Orleans' own grains (stream pub/sub), not one of ours.</summary>
    public static bool IsOrleansState(Type type) => type.Assembly == Streaming;
}
