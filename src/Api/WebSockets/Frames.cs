using System.Buffers;
using System.Text.Json;
using TradingPlatform.Topics;

namespace TradingPlatform.Api.WebSockets;

/// <summary>Server → client frames (UTF-8 JSON text). Event frames are serialized once per node and shared by every connection.</summary>
public static class Frames
{
    public static readonly ReadOnlyMemory<byte> Pong = """{"type":"pong"}"""u8.ToArray();
    public static readonly ReadOnlyMemory<byte> Heartbeat = """{"type":"heartbeat"}"""u8.ToArray();

    /// <summary><c>{"type":"event","topic":…,"seq":…,"time":…,"data":{…}}</c>, data in the API's JSON conventions.</summary>
    public static byte[] Event(TopicEvent topicEvent, JsonSerializerOptions options)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", "event");
            writer.WriteString("topic", topicEvent.Topic);
            writer.WriteNumber("seq", topicEvent.Seq);
            writer.WriteString("time", topicEvent.TimeUtc);
            writer.WritePropertyName("data");
            JsonSerializer.Serialize(writer, topicEvent.Data, topicEvent.Data.GetType(), options);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    public static byte[] Subscribed(IEnumerable<string> topics) => Write(w =>
    {
        w.WriteString("type", "subscribed");
        w.WriteStartArray("topics");
        foreach (var topic in topics) w.WriteStringValue(topic);
        w.WriteEndArray();
    });

    public static byte[] Unsubscribed(IEnumerable<string> topics) => Write(w =>
    {
        w.WriteString("type", "unsubscribed");
        w.WriteStartArray("topics");
        foreach (var topic in topics) w.WriteStringValue(topic);
        w.WriteEndArray();
    });

    public static byte[] Resync(string topic) => Write(w =>
    {
        w.WriteString("type", "resync");
        w.WriteString("topic", topic);
    });

    public static byte[] Error(string code, string message) => Write(w =>
    {
        w.WriteString("type", "error");
        w.WriteString("code", code);
        w.WriteString("message", message);
    });

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Close codes the gateway uses (documented in the README).</summary>
public static class CloseCodes
{
    /// <summary>The token expired, was revoked (logout) or stopped being valid (role change, user disabled).</summary>
    public const int Unauthorized = 4401;

    /// <summary>Slow consumer: the outbound queue overflowed and was not drained in time.</summary>
    public const int SlowConsumer = 4408;
}

/// <summary>Codes of <c>{"type":"error","code":…}</c> messages; the connection stays open after each.</summary>
public static class ErrorCodes
{
    public const string BadJson = "bad_json";
    public const string BadRequest = "bad_request";
    public const string UnknownOp = "unknown_op";
    public const string UnknownTopic = "unknown_topic";
    public const string Forbidden = "forbidden";
    public const string TooManyTopics = "too_many_topics";
    public const string MessageTooLarge = "message_too_large";
    public const string RateLimited = "rate_limited";
    public const string BinaryNotSupported = "binary_not_supported";
    public const string Unavailable = "unavailable";
}
