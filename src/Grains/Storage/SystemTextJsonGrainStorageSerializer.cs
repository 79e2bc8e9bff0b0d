using System.Text.Json;
using System.Text.Json.Serialization;
using Orleans.Storage;

namespace TradingPlatform.Storage;

/// <summary>
/// Stores grain state as plain JSON (no CLR type names), so renaming a state class or moving it to
/// another namespace never breaks reading what is already stored; property names are the schema.
/// </summary>
public sealed class SystemTextJsonGrainStorageSerializer : IGrainStorageSerializer
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    public BinaryData Serialize<T>(T? input) => new(JsonSerializer.SerializeToUtf8Bytes(input, Options));

    public T Deserialize<T>(BinaryData input) =>
        JsonSerializer.Deserialize<T>(input.ToMemory().Span, Options)
        ?? throw new JsonException($"Stored state for {typeof(T).Name} is null.");
}
