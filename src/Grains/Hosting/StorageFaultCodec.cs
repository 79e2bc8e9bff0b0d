using System.Buffers;
using System.Data.Common;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.GeneratedCodeHelpers;
using Orleans.Serialization.Serializers;
using Orleans.Serialization.WireProtocol;
using TradingPlatform.Common;

namespace TradingPlatform.Hosting;

/// <summary>
/// Writes any database exception (<see cref="DbException"/>, so every Npgsql exception) that leaves this silo as a
/// <see cref="StorageUnavailableException"/>, wherever it sits in the exception being sent.
/// </summary>
/// <remarks>
/// <see cref="StorageFaultFilter"/> translates failures of grain calls, but a grain that cannot <em>activate</em>
/// (its state cannot be read while the database is down) fails before any call filter runs: Orleans answers the
/// waiting calls with the activation's exception, an <c>OrleansException</c> wrapping the driver's exception. Orleans has
/// no codec for Npgsql's types, so the whole answer failed to serialize and API nodes saw a
/// <c>CodecNotFoundException</c> and answered 500 (found by the Postgres outage test: logins and reads of grains not in
/// memory). With this codec the wrapper crosses with a <see cref="StorageUnavailableException"/> inside, which API nodes
/// answer with 503. Only writing is supported: what is written is a <see cref="StorageUnavailableException"/>, read back
/// by its own generated codec, so this codec never reads.
/// </remarks>
public sealed class StorageFaultCodec : IGeneralizedCodec
{
    public bool IsSupportedType(Type type) => typeof(DbException).IsAssignableFrom(type);

    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, Type? expectedType, object? value)
        where TBufferWriter : IBufferWriter<byte>
    {
        if (value is null)
        {
            ReferenceCodec.WriteNullReference(ref writer, fieldIdDelta);
            return;
        }
        writer.SerializeUnexpectedType(fieldIdDelta, expectedType, StorageFaultFilter.Translate((Exception)value));
    }

    public object ReadValue<TInput>(ref Reader<TInput> reader, Field field) =>
        throw new NotSupportedException("Database exceptions are written as StorageUnavailableException and never read as themselves.");
}
