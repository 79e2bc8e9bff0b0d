using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace TradingPlatform.Storage;

/// <summary>
/// Group commit: callers enqueue requests on a bounded channel; one background loop takes whatever is
/// queued (at most <see cref="GroupCommitOptions.MaxBatchSize"/>), hands the batch, in enqueue order, to
/// a single write, and completes every caller. While one batch is being written the next one fills up,
/// so the cost of a round trip and a transaction commit is shared by everyone who arrived meanwhile.
/// </summary>
/// <remarks>
/// The batch write completes each entry (<see cref="GroupCommitEntry{TRequest, TResult}.Complete"/> or
/// <see cref="GroupCommitEntry{TRequest, TResult}.Fail"/>); entries it leaves open fail with the exception
/// it threw, or with an <see cref="InvalidOperationException"/> when it returned. A caller's cancellation
/// token counts only while its request is still queued: a cancelled caller's request is never written.
/// Once a batch has taken it the caller waits for the outcome (bounded by the write's own timeouts).
/// </remarks>
public sealed partial class GroupCommitWriter<TRequest, TResult> : IAsyncDisposable
{
    private readonly Channel<GroupCommitEntry<TRequest, TResult>> _queue;
    private readonly Func<IReadOnlyList<GroupCommitEntry<TRequest, TResult>>, Task> _writeBatch;
    private readonly ILogger _logger;
    private readonly JournalMetrics? _metrics;
    private readonly int _maxBatchSize;
    private readonly Task _loop;
    private int _disposed;

    /// <param name="metrics">Where each batch's size and each completed request's wait (queued to outcome) are recorded; null: nowhere.</param>
    public GroupCommitWriter(Func<IReadOnlyList<GroupCommitEntry<TRequest, TResult>>, Task> writeBatch, GroupCommitOptions options, ILogger logger,
        JournalMetrics? metrics = null)
    {
        ArgumentNullException.ThrowIfNull(writeBatch);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.QueueCapacity, 1);
        _writeBatch = writeBatch;
        _logger = logger;
        _metrics = metrics;
        _maxBatchSize = options.MaxBatchSize;
        _queue = Channel.CreateBounded<GroupCommitEntry<TRequest, TResult>>(new BoundedChannelOptions(options.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Queues <paramref name="request"/> for the next batch and completes when that batch is written.</summary>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    public async Task<TResult> Enqueue(TRequest request, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        var entry = new GroupCommitEntry<TRequest, TResult>(request, _metrics, cancellationToken);
        try
        {
            if (!_queue.Writer.TryWrite(entry))
                await _queue.Writer.WriteAsync(entry, cancellationToken);
        }
        catch (ChannelClosedException)
        {
            throw new ObjectDisposedException(GetType().FullName);
        }
        return await entry.Task;
    }

    /// <summary>Stops taking requests, writes everything already queued, then returns.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
            _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var batch = new List<GroupCommitEntry<TRequest, TResult>>(_maxBatchSize);
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            while (batch.Count < _maxBatchSize && reader.TryRead(out var entry))
            {
                if (entry.TryClaim()) batch.Add(entry);
            }
            if (batch.Count > 0) await WriteOne(batch);
        }
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types",
        Justification = "Any failure of a batch goes to its callers; the loop must live on for later batches.")]
    private async Task WriteOne(List<GroupCommitEntry<TRequest, TResult>> batch)
    {
        _metrics?.BatchWritten(batch.Count);
        try
        {
            await _writeBatch(batch);
            foreach (var entry in batch)
            {
                if (!entry.IsCompleted) entry.Fail(new InvalidOperationException("The batch write left this request without an outcome."));
            }
        }
        catch (Exception e)
        {
            LogBatchFailed(_logger, e, batch.Count);
            foreach (var entry in batch) entry.Fail(e);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "A group commit of {Count} request(s) failed; its callers get the exception")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, int count);
}

public sealed record GroupCommitOptions
{
    /// <summary>Most requests written together (one transaction).</summary>
    public int MaxBatchSize { get; init; } = 1_000;

    /// <summary>Requests that may wait; further callers wait for room (back pressure).</summary>
    public int QueueCapacity { get; init; } = 10_000;
}

/// <summary>One queued request of a <see cref="GroupCommitWriter{TRequest, TResult}"/> and its caller's pending outcome.</summary>
public sealed class GroupCommitEntry<TRequest, TResult>
{
    private const int Queued = 0;
    private const int Claimed = 1;
    private const int Cancelled = 2;

    private readonly TaskCompletionSource<TResult> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationToken _cancellationToken;
    private readonly CancellationTokenRegistration _registration;
    private readonly JournalMetrics? _metrics;
    private readonly long _queuedAt = Stopwatch.GetTimestamp();
    private int _state;

    internal GroupCommitEntry(TRequest request, JournalMetrics? metrics, CancellationToken cancellationToken)
    {
        Request = request;
        _metrics = metrics;
        _cancellationToken = cancellationToken;
        if (cancellationToken.CanBeCanceled)
            _registration = cancellationToken.UnsafeRegister(static state => ((GroupCommitEntry<TRequest, TResult>)state!).TryCancel(), this);
    }

    public TRequest Request { get; }

    /// <summary>True once <see cref="Complete"/> or <see cref="Fail"/> has been called.</summary>
    public bool IsCompleted => _outcome.Task.IsCompleted;

    internal Task<TResult> Task => _outcome.Task;

    public void Complete(TResult result)
    {
        if (_outcome.Task.IsCompleted) return;
        // Recorded before the caller can see the outcome, so whoever awaited the commit finds it counted.
        _metrics?.Committed(Stopwatch.GetElapsedTime(_queuedAt));
        if (_outcome.TrySetResult(result)) _registration.Unregister();
    }

    public void Fail(Exception exception)
    {
        if (_outcome.TrySetException(exception)) _registration.Unregister();
    }

    /// <summary>The writer takes the entry into a batch, unless its caller cancelled first.</summary>
    internal bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Queued) == Queued;

    private void TryCancel()
    {
        if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
            _outcome.TrySetCanceled(_cancellationToken);
    }
}
