using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;

namespace TradingPlatform.Benchmarks;

/// <summary>What one closed-loop run measured: calls completed in the timed phase and their latencies.</summary>
public sealed record LoadResult(int Callers, TimeSpan Duration, Latencies Latencies, long Failed, long Errors, string? FirstError,
    IReadOnlyList<long> PerSecondTimeline, GcCost Gc, TimeSpan TimedCpu, TimeSpan TimedWall, long AllCalls)
{
    /// <summary>Processor time of this whole process (silo and callers) per successful call, in the timed phase.</summary>
    public double CpuMicrosPerCall => Latencies.Count == 0 ? double.NaN : TimedCpu.TotalMicroseconds / Latencies.Count;

    /// <summary>Bytes allocated per successful call over the whole run (warm-up included, so only an estimate).</summary>
    public double AllocatedPerCall => AllCalls == 0 ? double.NaN : (double)Gc.Allocated / AllCalls;

    /// <summary>Share of the machine's cores this process used in the timed phase (1 = all of them).</summary>
    public double CpuShare => TimedCpu / (TimedWall * Environment.ProcessorCount);

    /// <summary>Successful calls completed per second of the timed phase.</summary>
    public double PerSecond => Latencies.Count / Duration.TotalSeconds;
}

/// <summary>
/// A closed loop: <c>callers</c> tasks each call <c>operation</c> again as soon as the previous call
/// returns, for a warm-up (not recorded) and then a timed phase. A call counts, with its latency, when
/// it completes inside the timed phase and reports success; failed outcomes and exceptions are counted apart.
/// </summary>
public static class ClosedLoop
{
    private static void SleepUntil(long timestamp)
    {
        var left = timestamp - Stopwatch.GetTimestamp();
        if (left > 0) Thread.Sleep(TimeSpan.FromSeconds((double)left / Stopwatch.Frequency));
    }

    [SuppressMessage("Design", "CA1031:Do not catch general exception types", Justification = "Every failure is counted and the first one reported.")]
    public static async Task<LoadResult> Run(int callers, TimeSpan warmup, TimeSpan duration, Func<int, long, Task<bool>> operation)
    {
        var begin = Stopwatch.GetTimestamp();
        var timedFrom = begin + (long)(warmup.TotalSeconds * Stopwatch.Frequency);
        var timedTo = timedFrom + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var samples = new List<long>[callers];
        var timeline = new long[(int)Math.Ceiling(duration.TotalSeconds)];
        var gc = GcCost.Start();
        long failed = 0, errors = 0, all = 0;
        string? firstError = null;

        var tasks = new Task[callers];
        for (var c = 0; c < callers; c++)
        {
            var caller = c;
            var mine = samples[caller] = new List<long>(1 << 14);
            tasks[caller] = Task.Run(async () =>
            {
                var synchronous = false;
                for (long i = 0; ; i++)
                {
                    // Calls that complete synchronously never give the thread back: let others run now and then (outside the timing).
                    if (synchronous && (i & 31) == 0) await Task.Yield();
                    var start = Stopwatch.GetTimestamp();
                    if (start >= timedTo) return;
                    bool ok;
                    try
                    {
                        var call = operation(caller, i);
                        synchronous = call.IsCompleted;
                        ok = await call;
                    }
                    catch (Exception e)
                    {
                        if (Interlocked.Increment(ref errors) == 1)
                        {
                            firstError = e.ToString();
                            await Console.Error.WriteLineAsync($"  first error: {e}");
                        }
                        continue;
                    }
                    var end = Stopwatch.GetTimestamp();
                    Interlocked.Increment(ref all);
                    if (end < timedFrom || end > timedTo) continue;
                    if (ok)
                    {
                        mine.Add(end - start);
                        Interlocked.Increment(ref timeline[Math.Min(timeline.Length - 1, (int)((end - timedFrom) / Stopwatch.Frequency))]);
                    }
                    else Interlocked.Increment(ref failed);
                }
            });
        }
        // Processor time of the timed phase, sampled when it begins and ends by a thread of its own (the
        // thread pool may be busy with callers whose calls complete synchronously).
        var cpu = TimeSpan.Zero;
        var wall = TimeSpan.Zero;
        var sampler = new Thread(() =>
        {
            SleepUntil(timedFrom);
            using var process = Process.GetCurrentProcess();
            var cpuFrom = process.TotalProcessorTime;
            var wallFrom = Stopwatch.GetTimestamp();
            SleepUntil(timedTo);
            process.Refresh();
            cpu = process.TotalProcessorTime - cpuFrom;
            wall = Stopwatch.GetElapsedTime(wallFrom);
        }) { IsBackground = true, Name = "bench-cpu-sampler" };
        sampler.Start();
        await Task.WhenAll(tasks);
        sampler.Join();
        return new LoadResult(callers, duration, new Latencies(samples), failed, errors, firstError, timeline, gc.Stop(), cpu, wall, Interlocked.Read(ref all));
    }
}

/// <summary>Garbage collections during a run (warm-up included) and the time the runtime was paused for them.</summary>
public sealed record GcCost(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long Allocated, long HeapAfter)
{
    public static Running Start() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration(), GC.GetTotalAllocatedBytes());

    public override string ToString() =>
        Text.I($"GC gen0/1/2 {Gen0}/{Gen1}/{Gen2}, paused {Paused.TotalMilliseconds:0} ms, allocated {Allocated / 1048576.0:0} MiB, heap after {HeapAfter / 1048576.0:0} MiB");

    public sealed record Running(int Gen0, int Gen1, int Gen2, TimeSpan Paused, long Allocated)
    {
        public GcCost Stop() => new(GC.CollectionCount(0) - Gen0, GC.CollectionCount(1) - Gen1, GC.CollectionCount(2) - Gen2,
            GC.GetTotalPauseDuration() - Paused, GC.GetTotalAllocatedBytes() - Allocated, GC.GetGCMemoryInfo().HeapSizeBytes);
    }
}

/// <summary>
/// A fixed number of calls by <c>callers</c> tasks, then a wait for the work they left behind (stream
/// events still being delivered) until <c>drained</c> says it is done. Wall and processor time cover both.
/// </summary>
public static class FixedCount
{
    public static async Task<LoadResult> Run(int callers, int total, Func<int, long, Task<bool>> operation, Func<bool> drained, TimeSpan drainTimeout)
    {
        var gc = GcCost.Start();
        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var cpuFrom = process.TotalProcessorTime;
        var begin = Stopwatch.GetTimestamp();
        var samples = new List<long>[callers];
        long next = -1, failed = 0;
        var tasks = new Task[callers];
        for (var c = 0; c < callers; c++)
        {
            var caller = c;
            var mine = samples[caller] = [];
            tasks[caller] = Task.Run(async () =>
            {
                long i;
                while ((i = Interlocked.Increment(ref next)) < total)
                {
                    var start = Stopwatch.GetTimestamp();
                    if (await operation(caller, i)) mine.Add(Stopwatch.GetTimestamp() - start);
                    else Interlocked.Increment(ref failed);
                }
            });
        }
        await Task.WhenAll(tasks);
        var waitUntil = Stopwatch.GetTimestamp() + (long)(drainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (!drained() && Stopwatch.GetTimestamp() < waitUntil) await Task.Delay(5);
        var wall = Stopwatch.GetElapsedTime(begin);
        process.Refresh();
        var cpu = process.TotalProcessorTime - cpuFrom;
        return new LoadResult(callers, wall, new Latencies(samples), failed, drained() ? 0 : 1, drained() ? null : "not drained in time", [], gc.Stop(), cpu, wall, total);
    }
}
