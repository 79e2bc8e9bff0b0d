namespace TradingPlatform.Storage;

/// <summary>Names of the Orleans providers every host registers.</summary>
public static class StorageNames
{
    /// <summary>Grain state for trading grains (ADO.NET on Postgres, or memory when embedded).</summary>
    public const string Trading = "trading";

    /// <summary>Orleans' stream pub/sub state.</summary>
    public const string PubSub = "PubSubStore";

    /// <summary>The memory stream provider that carries domain events.</summary>
    public const string Streams = "trading";
}
