using Npgsql;
using TradingPlatform.Common;

namespace TradingPlatform.Hosting;

/// <summary>
/// Turns database failures inside grain calls into <see cref="StorageUnavailableException"/> before they leave the silo.
/// Npgsql's exceptions cannot be serialized by Orleans, so without this an API node saw a codec error and answered 500
/// for what is a transient outage (found in the Postgres-down drill of docs/operations.md).
/// </summary>
public sealed class StorageFaultFilter : IIncomingGrainCallFilter
{
    public async Task Invoke(IIncomingGrainCallContext context)
    {
        try
        {
            await context.Invoke();
        }
        catch (Exception exception) when (FindDatabaseFault(exception) is { } fault)
        {
            throw Translate(fault);
        }
    }

    /// <summary>What crosses in place of <paramref name="fault"/>: only its type name and message; the driver's exception stays in this silo's log.</summary>
    public static StorageUnavailableException Translate(Exception fault) =>
        new($"The database did not answer ({fault.GetType().Name}: {fault.Message})");

    /// <summary>The driver failure inside <paramref name="exception"/> (Orleans storage providers wrap it), or null.</summary>
    public static Exception? FindDatabaseFault(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is NpgsqlException or System.Data.Common.DbException) return e;
            if (e is AggregateException { InnerExceptions.Count: > 0 } aggregate)
                return aggregate.InnerExceptions.Select(FindDatabaseFault).FirstOrDefault(f => f is not null);
        }
        return null;
    }
}
