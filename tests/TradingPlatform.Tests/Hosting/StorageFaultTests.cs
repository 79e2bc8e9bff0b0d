using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Orleans.Serialization;
using Orleans.Serialization.Serializers;
using TradingPlatform.Common;
using TradingPlatform.Hosting;

namespace TradingPlatform.Tests.Hosting;

/// <summary>Database failures leave a silo as an exception Orleans can carry to API nodes (which answer 503).</summary>
public sealed class StorageFaultTests
{
    [Fact]
    public void The_storage_exception_survives_Orleans_serialization_and_the_driver_exception_does_not()
    {
        using var services = new ServiceCollection().AddSerializer().BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(new StorageUnavailableException("db down")));
        Assert.IsType<StorageUnavailableException>(copy);
        Assert.Equal("db down", copy.Message);

        // What the filter exists for: the driver's exception has no codec of its own.
        Assert.Throws<CodecNotFoundException>(() => serializer.SerializeToArray<Exception>(new NpgsqlException("db down")));
    }

    [Fact]
    public void A_driver_exception_inside_what_a_silo_sends_crosses_as_the_storage_exception()
    {
        // A grain that cannot load its state fails to activate: Orleans sends its callers the activation's exception,
        // which wraps the driver's, and no call filter runs. The silo's codec writes the driver's part as ours.
        using var services = new ServiceCollection().AddSerializer(b => b.Services.AddSingleton<IGeneralizedCodec, StorageFaultCodec>()).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();

        var sent = new OrleansException("Error from storage provider during ReadStateAsync", new NpgsqlException("Failed to connect to 127.0.0.1:5432"));
        var copy = serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(sent));
        Assert.IsType<OrleansException>(copy);
        var inner = Assert.IsType<StorageUnavailableException>(copy.InnerException);
        Assert.Contains("NpgsqlException: Failed to connect to 127.0.0.1:5432", inner.Message, StringComparison.Ordinal);

        // A driver exception sent on its own, and a PostgresException (a subtype), cross the same way.
        Assert.IsType<StorageUnavailableException>(serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(new NpgsqlException("db down"))));
        var server = new PostgresException("terminating connection due to administrator command", "FATAL", "FATAL", PostgresErrorCodes.AdminShutdown);
        Assert.IsType<StorageUnavailableException>(serializer.Deserialize<Exception>(serializer.SerializeToArray<Exception>(server)));
    }

    [Fact]
    public void The_filter_finds_a_driver_failure_however_deeply_it_is_wrapped()
    {
        var driver = new NpgsqlException("connection refused");
        Assert.Same(driver, StorageFaultFilter.FindDatabaseFault(driver));
        Assert.Same(driver, StorageFaultFilter.FindDatabaseFault(new OrleansException("storage write failed", new InvalidOperationException("wrap", driver))));
        Assert.Same(driver, StorageFaultFilter.FindDatabaseFault(new AggregateException(new TimeoutException(), driver)));
        Assert.Null(StorageFaultFilter.FindDatabaseFault(new InvalidOperationException("a bug, not an outage")));
        Assert.Null(StorageFaultFilter.FindDatabaseFault(new StorageUnavailableException("already translated")));
    }
}
