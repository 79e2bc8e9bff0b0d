using TradingPlatform.Api.WebSockets;

namespace TradingPlatform.IntegrationTests.WebSockets;

/// <summary>A connection's bounded many-writer, one-reader queue (no server needed).</summary>
public sealed class OutboundMailboxTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void Writes_beyond_the_capacity_are_refused_and_reads_come_out_in_order()
    {
        var mailbox = new OutboundMailbox<int>(3);
        Assert.True(mailbox.TryWrite(1));
        Assert.True(mailbox.TryWrite(2));
        Assert.True(mailbox.TryWrite(3));
        Assert.False(mailbox.TryWrite(4));
        Assert.Equal(3, mailbox.Count);

        Assert.True(mailbox.TryRead(out var first));
        Assert.Equal(1, first);
        Assert.True(mailbox.TryWrite(5)); // room again
        var rest = new List<int>();
        while (mailbox.TryRead(out var item)) rest.Add(item);
        Assert.Equal([2, 3, 5], rest);
    }

    [Fact]
    public async Task A_waiting_reader_is_woken_by_a_write_and_not_before()
    {
        var mailbox = new OutboundMailbox<string>(8);
        var wait = mailbox.WaitToReadAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(wait.IsCompleted);

        Assert.True(mailbox.TryWrite("frame"));
        Assert.True(await wait.WaitAsync(Patience));
        Assert.True(mailbox.TryRead(out var item));
        Assert.Equal("frame", item);
    }

    [Fact]
    public async Task Completing_drains_what_is_queued_then_ends_the_reader()
    {
        var mailbox = new OutboundMailbox<int>(8);
        mailbox.TryWrite(7);
        mailbox.Complete();
        Assert.False(mailbox.TryWrite(8));

        Assert.True(await mailbox.WaitToReadAsync(CancellationToken.None));
        Assert.True(mailbox.TryRead(out var seven));
        Assert.Equal(7, seven);
        Assert.False(await mailbox.WaitToReadAsync(CancellationToken.None));

        var idle = new OutboundMailbox<int>(8);
        var pending = idle.WaitToReadAsync(CancellationToken.None).AsTask();
        idle.Complete();
        Assert.False(await pending.WaitAsync(Patience));
    }

    [Fact]
    public async Task Interrupting_wakes_a_waiting_reader_with_false_but_what_is_queued_comes_out_first()
    {
        var idle = new OutboundMailbox<int>(8);
        var pending = idle.WaitToReadAsync(CancellationToken.None).AsTask();
        await Task.Delay(50);
        Assert.False(pending.IsCompleted);
        idle.Interrupt();
        Assert.False(await pending.WaitAsync(Patience));
        Assert.False(await idle.WaitToReadAsync(CancellationToken.None)); // and every later wait on an empty queue

        var busy = new OutboundMailbox<int>(8);
        busy.TryWrite(1);
        busy.Interrupt();
        Assert.True(busy.TryWrite(2)); // unlike Complete, writers may still queue (a close frame's resyncs)
        Assert.True(await busy.WaitToReadAsync(CancellationToken.None));
        Assert.True(busy.TryRead(out var one));
        Assert.True(busy.TryRead(out var two));
        Assert.Equal((1, 2), (one, two));
        Assert.False(await busy.WaitToReadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Cancelling_a_wait_throws_and_the_mailbox_keeps_working()
    {
        var mailbox = new OutboundMailbox<int>(8);
        using var cancel = new CancellationTokenSource();
        var wait = mailbox.WaitToReadAsync(cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(Patience));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => mailbox.WaitToReadAsync(cancel.Token).AsTask());

        var next = mailbox.WaitToReadAsync(CancellationToken.None).AsTask();
        mailbox.TryWrite(1);
        Assert.True(await next.WaitAsync(Patience));
    }

    [Fact]
    public async Task The_reader_continues_on_the_pool_not_inside_the_writer()
    {
        var mailbox = new OutboundMailbox<int>(8);
        var writerThread = -1;
        var readerThread = -2;
        var reader = Task.Run(async () =>
        {
            await mailbox.WaitToReadAsync(CancellationToken.None);
            readerThread = Environment.CurrentManagedThreadId;
            Thread.Sleep(200); // a slow socket write: the writer below must not be inside it
        });
        await Task.Delay(50);
        var writer = new Thread(() =>
        {
            writerThread = Environment.CurrentManagedThreadId;
            mailbox.TryWrite(1);
        });
        writer.Start();
        writer.Join();
        await reader.WaitAsync(Patience);
        Assert.NotEqual(writerThread, readerThread);
    }

    [Fact]
    public async Task Many_writers_and_one_reader_lose_nothing_and_keep_each_writers_order()
    {
        const int writers = 4, perWriter = 20_000;
        var mailbox = new OutboundMailbox<(int Writer, int Index)>(64);
        var received = new List<(int Writer, int Index)>();
        var reader = Task.Run(async () =>
        {
            while (await mailbox.WaitToReadAsync(CancellationToken.None))
                while (mailbox.TryRead(out var item)) received.Add(item);
        });
        var producers = Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
                while (!mailbox.TryWrite((w, i))) Thread.Yield(); // full: the test's writer retries; the gateway would drop
        })).ToArray();
        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromMinutes(2));
        mailbox.Complete();
        await reader.WaitAsync(TimeSpan.FromMinutes(2));

        Assert.Equal(writers * perWriter, received.Count);
        foreach (var group in received.GroupBy(r => r.Writer))
            Assert.Equal(Enumerable.Range(0, perWriter), group.Select(r => r.Index));
    }
}
