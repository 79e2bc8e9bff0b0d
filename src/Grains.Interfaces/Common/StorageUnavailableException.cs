namespace TradingPlatform.Common;

/// <summary>
/// The database a grain needed did not answer. Silos throw this in place of driver exceptions (which have no Orleans
/// codec and would reach API nodes as a codec failure), so API nodes can answer 503 with <c>Retry-After</c>: the call
/// changed nothing durable and may be retried.
/// </summary>
[GenerateSerializer, Alias("storage-unavailable")]
public sealed class StorageUnavailableException : Exception
{
    public StorageUnavailableException()
    {
    }

    public StorageUnavailableException(string message) : base(message)
    {
    }

    public StorageUnavailableException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
