using System.Net.WebSockets;
using System.Text;
using TradingPlatform.Api.WebSockets;

namespace TradingPlatform.IntegrationTests.WebSockets;

/// <summary>The stream that lets a connection's writer send several frames with one write (no server needed).</summary>
public sealed class FrameBatchStreamTests
{
    /// <summary>Records each write the WebSocket's transport receives.</summary>
    private sealed class RecordingStream : MemoryStream
    {
        public List<byte[]> Writes { get; } = [];

        public int Flushes { get; private set; }

        public override Task FlushAsync(CancellationToken cancellationToken)
        {
            Flushes++;
            return base.FlushAsync(cancellationToken);
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes.Add(buffer.ToArray());
            return base.WriteAsync(buffer, cancellationToken);
        }
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task Writes_inside_a_batch_reach_the_connection_as_one_write_in_order_and_writes_outside_go_straight_through()
    {
        var inner = new RecordingStream();
        await using var stream = new FrameBatchStream(inner, maxBatchBytes: 1024);

        await stream.WriteAsync(Bytes("alone"));
        stream.BeginBatch();
        await stream.WriteAsync(Bytes("one,"));
        await stream.WriteAsync(Bytes("two,"));
        await stream.WriteAsync(Bytes("three"));
        Assert.Single(inner.Writes); // held until the batch ends
        await stream.EndBatchAsync(CancellationToken.None);
        await stream.WriteAsync(Bytes("after"));

        Assert.Equal(["alone", "one,two,three", "after"], inner.Writes.Select(w => Encoding.UTF8.GetString(w)));
    }

    [Fact]
    public async Task A_batch_never_holds_more_than_its_limit_and_a_larger_frame_goes_through_after_what_was_held()
    {
        var inner = new RecordingStream();
        await using var stream = new FrameBatchStream(inner, maxBatchBytes: 8);

        stream.BeginBatch();
        await stream.WriteAsync(Bytes("aaaa"));
        await stream.WriteAsync(Bytes("bbbb")); // exactly full
        await stream.WriteAsync(Bytes("cc"));   // does not fit: what is held is written first
        await stream.WriteAsync(Bytes("0123456789")); // larger than the limit: held bytes, then this, unbuffered
        await stream.WriteAsync(Bytes("dd"));
        await stream.EndBatchAsync(CancellationToken.None);

        Assert.Equal(["aaaabbbb", "cc", "0123456789", "dd"], inner.Writes.Select(w => Encoding.UTF8.GetString(w)));
        Assert.All(inner.Writes, w => Assert.True(w.Length <= 8 || w.Length == 10));
    }

    [Fact]
    public async Task A_WebSocket_over_it_sends_a_batch_of_frames_a_peer_reads_as_separate_messages()
    {
        var inner = new RecordingStream();
        var batch = new FrameBatchStream(inner, maxBatchBytes: 16 * 1024);
        using var server = WebSocket.CreateFromStream(batch, new WebSocketCreationOptions { IsServer = true, KeepAliveInterval = Timeout.InfiniteTimeSpan });

        batch.BeginBatch();
        for (var i = 0; i < 5; i++) await server.SendAsync(Bytes($"{{\"n\":{i}}}"), WebSocketMessageType.Text, true, CancellationToken.None);
        await batch.EndBatchAsync(CancellationToken.None);
        Assert.Single(inner.Writes); // five frames (the WebSocket flushes after each): one write, one flush
        Assert.Equal(1, inner.Flushes);

        using var client = WebSocket.CreateFromStream(new MemoryStream(inner.Writes[0]), new WebSocketCreationOptions { IsServer = false, KeepAliveInterval = Timeout.InfiniteTimeSpan });
        var buffer = new byte[64];
        for (var i = 0; i < 5; i++)
        {
            var result = await client.ReceiveAsync(buffer, CancellationToken.None);
            Assert.True(result.EndOfMessage);
            Assert.Equal($"{{\"n\":{i}}}", Encoding.UTF8.GetString(buffer, 0, result.Count));
        }
    }
}
