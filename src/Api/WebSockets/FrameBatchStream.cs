using System.Buffers;
using Microsoft.AspNetCore.Http.Features;

namespace TradingPlatform.Api.WebSockets;

/// <summary>
/// The upgraded connection's stream as the WebSocket sees it, so that a connection's writer can send several frames
/// with one write. Without it every WebSocket frame is one write and one flush of Kestrel's output (and at fan-out,
/// often one send system call per frame per connection). While the writer holds a batch open, writes (its frames,
/// and any ping or pong the WebSocket sends meanwhile: the WebSocket never interleaves two frames) are copied into
/// a pooled buffer of at most <c>maxBatchBytes</c>; ending the batch writes them in one go. Outside a batch, and for
/// a frame larger than the buffer, writes go straight through. The WebSocket flushes after every frame; inside a
/// batch that flush is only noted, and the batch's end does one write and one flush. The buffer is rented per batch
/// and returned when it is written: an idle connection holds none. Reads pass through untouched.
/// </summary>
public sealed class FrameBatchStream(Stream inner, int maxBatchBytes) : Stream
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private byte[]? _held;
    private int _length;
    private volatile bool _batching;
    private bool _flushRequested;

    /// <summary>Holds writes from now on (the connection's writer only; always followed by <see cref="EndBatchAsync"/>).</summary>
    public void BeginBatch() => _batching = true;

    /// <summary>Writes what the batch holds, in one write, and lets later writes through again.</summary>
    public async ValueTask EndBatchAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            _batching = false;
            await WriteHeld(cancellationToken);
            if (_flushRequested)
            {
                _flushRequested = false;
                await inner.FlushAsync(cancellationToken);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            // Decided under the gate, like EndBatchAsync's reset: a write is either in the batch it ends or after it.
            if (_batching && buffer.Length <= maxBatchBytes)
            {
                if (_length + buffer.Length > maxBatchBytes) await WriteHeld(cancellationToken);
                _held ??= ArrayPool<byte>.Shared.Rent(maxBatchBytes);
                buffer.CopyTo(_held.AsMemory(_length));
                _length += buffer.Length;
                return;
            }
            await WriteHeld(cancellationToken);
            await inner.WriteAsync(buffer, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_batching)
            {
                _flushRequested = true; // the batch's end flushes
                return;
            }
            await WriteHeld(cancellationToken);
            await inner.FlushAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>Under the gate. The buffer goes back to the pool even when the write fails (the connection is then over).</summary>
    private async ValueTask WriteHeld(CancellationToken cancellationToken)
    {
        if (_held is not { } held) return;
        try
        {
            if (_length > 0) await inner.WriteAsync(held.AsMemory(0, _length), cancellationToken);
        }
        finally
        {
            _held = null;
            _length = 0;
            ArrayPool<byte>.Shared.Return(held);
        }
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);

    public override bool CanRead => inner.CanRead;

    public override bool CanWrite => inner.CanWrite;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>
    /// Disposes the connection's stream (an abort may do so while the writer is inside a write). The held buffer is
    /// left to that write's own cleanup: returning it here too could hand one array to two renters.
    /// </summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync();
        await base.DisposeAsync();
    }
}

/// <summary>
/// Installed on <c>/v1/ws</c> requests before the WebSocket middleware, which takes the upgraded stream from this
/// feature: the WebSocket is then built on a <see cref="FrameBatchStream"/> the connection's writer can batch with.
/// (A WebSocket over HTTP/2 does not come through here and simply sends frame by frame.)
/// </summary>
public sealed class BatchingUpgradeFeature(IHttpUpgradeFeature inner, int maxBatchBytes) : IHttpUpgradeFeature
{
    /// <summary>The stream of the upgraded connection, once upgraded.</summary>
    public FrameBatchStream? Stream { get; private set; }

    public bool IsUpgradableRequest => inner.IsUpgradableRequest;

    public async Task<Stream> UpgradeAsync() => Stream = new FrameBatchStream(await inner.UpgradeAsync(), maxBatchBytes);
}
