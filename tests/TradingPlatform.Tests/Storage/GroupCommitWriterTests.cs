using Microsoft.Extensions.Logging.Abstractions;
using TradingPlatform.Storage;

namespace TradingPlatform.Tests.Storage;

public sealed class GroupCommitWriterTests
{
    /// <summary>A batch write that records its batches and, while <see cref="Gate"/> is closed, does not finish.</summary>
    private sealed class RecordingWrite
    {
        private readonly Lock _lock = new();

        public List<int[]> Batches { get; } = [];
        public TaskCompletionSource Gate { get; set; } = Opened();
        public TaskCompletionSource FirstBatchStarted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task Write(IReadOnlyList<GroupCommitEntry<int, int>> batch)
        {
            lock (_lock) Batches.Add(batch.Select(e => e.Request).ToArray());
            FirstBatchStarted.TrySetResult();
            await Gate.Task;
            foreach (var entry in batch) entry.Complete(entry.Request * 10);
        }

        private static TaskCompletionSource Opened()
        {
            var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            gate.SetResult();
            return gate;
        }
    }

    private static GroupCommitWriter<int, int> Writer(Func<IReadOnlyList<GroupCommitEntry<int, int>>, Task> write, int maxBatch = 100) =>
        new(write, new GroupCommitOptions { MaxBatchSize = maxBatch, QueueCapacity = 1_000 }, NullLogger.Instance);

    [Fact]
    public async Task Requests_arriving_while_a_batch_is_written_go_into_the_next_batch_together_in_enqueue_order()
    {
        var write = new RecordingWrite { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var writer = Writer(write.Write);

        var first = writer.Enqueue(0);
        await write.FirstBatchStarted.Task;
        var queued = Enumerable.Range(1, 30).Select(i => writer.Enqueue(i)).ToArray();
        write.Gate.SetResult();

        Assert.Equal(0, await first);
        Assert.Equal(Enumerable.Range(1, 30).Select(i => i * 10), await Task.WhenAll(queued));
        Assert.Equal(2, write.Batches.Count);
        Assert.Equal([0], write.Batches[0]);
        Assert.Equal(Enumerable.Range(1, 30), write.Batches[1]);
    }

    [Fact]
    public async Task A_batch_never_holds_more_than_the_maximum()
    {
        var write = new RecordingWrite { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var writer = Writer(write.Write, maxBatch: 8);

        var first = writer.Enqueue(0);
        await write.FirstBatchStarted.Task;
        var queued = Enumerable.Range(1, 20).Select(i => writer.Enqueue(i)).ToArray();
        write.Gate.SetResult();
        await Task.WhenAll(queued.Append(first));

        Assert.Equal([1, 8, 8, 4], write.Batches.Select(b => b.Length));
        Assert.Equal(Enumerable.Range(0, 21), write.Batches.SelectMany(b => b));
    }

    [Fact]
    public async Task A_failing_batch_fails_each_of_its_callers_and_the_next_batch_is_written()
    {
        var calls = 0;
        await using var writer = Writer(batch =>
        {
            if (Interlocked.Increment(ref calls) == 1) throw new InvalidOperationException("server down");
            foreach (var entry in batch) entry.Complete(entry.Request);
            return Task.CompletedTask;
        });

        var failed = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.Enqueue(1));
        var later = await writer.Enqueue(2);

        Assert.Equal("server down", failed.Message);
        Assert.Equal(2, later);
    }

    [Fact]
    public async Task A_request_the_batch_write_leaves_open_fails_instead_of_hanging()
    {
        await using var writer = Writer(_ => Task.CompletedTask);

        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.Enqueue(1));
    }

    [Fact]
    public async Task A_caller_that_cancels_while_queued_is_never_written()
    {
        var write = new RecordingWrite { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        await using var writer = Writer(write.Write);
        var first = writer.Enqueue(0);
        await write.FirstBatchStarted.Task;
        using var cancellation = new CancellationTokenSource();

        var cancelled = writer.Enqueue(1, cancellation.Token);
        var kept = writer.Enqueue(2);
        await cancellation.CancelAsync();
        write.Gate.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(20, await kept);
        await first;
        Assert.DoesNotContain(1, write.Batches.SelectMany(b => b));
    }

    [Fact]
    public async Task Disposing_writes_what_is_queued_and_refuses_later_requests()
    {
        var write = new RecordingWrite { Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
        var writer = Writer(write.Write);
        var first = writer.Enqueue(0);
        await write.FirstBatchStarted.Task;
        var queued = Enumerable.Range(1, 10).Select(i => writer.Enqueue(i)).ToArray();

        var disposing = writer.DisposeAsync();
        var refused = Record.ExceptionAsync(() => writer.Enqueue(99));
        write.Gate.SetResult();
        await disposing;

        Assert.IsType<ObjectDisposedException>(await refused);
        Assert.Equal(0, await first);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 10), await Task.WhenAll(queued));
    }
}
