using System.Diagnostics;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>
/// <c>--scenario soak</c>: the client half of <c>benchmarks/soak.sh</c>. The script builds, creates the database and
/// starts real silo and API processes; this drives the bounded mixed load against them, samples every process's
/// <c>/metrics</c>, computes the verdict and writes the report. Exit code 0 passed, 1 failed, 2 bad command line,
/// 3 the setup failed, 130 interrupted.
/// </summary>
public static class SoakBench
{
    public static bool Wants(string[] args) => args.SkipWhile(a => a != "--scenario").Skip(1).FirstOrDefault() == "soak";

    public static async Task<int> Run(string[] args)
    {
        SoakOptions options;
        try
        {
            options = SoakOptions.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or UriFormatException)
        {
            Console.Error.WriteLine($"{e.Message}\n\n{SoakOptions.Usage}");
            return 2;
        }

        using var stop = new CancellationTokenSource();
        var interrupted = false;
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            interrupted = true;
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            interrupted = true;
            stop.Cancel();
        });

        var clock = new Stopwatch();
        var counters = new SoakCounters(clock);
        using var http = new SoakHttp(options.Apis, counters);
        var load = new SoakLoad(http, counters, DateTime.UtcNow.ToString("HHmmss", System.Globalization.CultureInfo.InvariantCulture));
        try
        {
            using var setupTimeout = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
            setupTimeout.CancelAfter(TimeSpan.FromMinutes(3));
            await load.Setup(options.User, options.Password, setupTimeout.Token);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException or HttpRequestException)
        {
            Console.Error.WriteLine("soak setup failed: " + e.Message);
            return interrupted ? 130 : 3;
        }

        var streams = load.Streams();
        Console.Error.WriteLine(Text.I($"soak: {streams.Sum(s => s.PerSecond) * options.Rate:0.#} requests/s in {streams.Count} streams, {options.Subscribers} WebSocket subscribers, {options.Duration.TotalMinutes:0.#} min"));
        using var sampler = new SoakSampler(options.Processes, counters, options.SampleEvery);
        clock.Start();
        using var running = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
        running.CancelAfter(options.Duration);
        var random = new Random(3);
        var tasks = new List<Task>
        {
            sampler.Run(running.Token),
            new SoakSubscribers(http, counters, options.Subscribers).Run(running.Token),
            Progress(counters, options, running.Token),
            FullGcs(sampler, options, counters, running.Token),
            PrimeStreamQueues(load, sampler, options, counters, running.Token),
        };
        tasks.AddRange(streams.Select(s => Loop(s, options.Rate, random.NextDouble(), counters, running.Token)));
        await Task.WhenAll(tasks);
        var end = clock.Elapsed.TotalSeconds;
        await sampler.SampleAll(CancellationToken.None);
        if (options.FullGcEvery > TimeSpan.Zero && !interrupted) await sampler.FullGcAll(CancellationToken.None);

        var verdict = new SoakVerdict(options, counters, sampler.Samples, end);
        verdict.Compute();
        if (interrupted) verdict.Failures.Insert(0, Text.I($"interrupted after {end:0} s"));
        var report = SoakReport.Markdown(options, streams, counters, sampler.Samples, verdict, end);
        Console.Out.Write(report);
        if (options.Output is { } path) await File.WriteAllTextAsync(path, report);
        if (options.Samples is { } csv) await sampler.WriteCsv(csv);
        Console.Error.WriteLine(verdict.Passed ? "soak: passed" : "soak: FAILED\n  " + string.Join("\n  ", verdict.Failures));
        return interrupted ? 130 : verdict.Passed ? 0 : 1;
    }

    /// <summary>
    /// One stream on its fixed schedule: each slot starts the work unless <see cref="SoakWorkload.MaxInFlight"/> are
    /// still running, in which case the slot is skipped (and counted), never made up later. Waits for what is in flight at the end.
    /// </summary>
    private static async Task Loop(SoakWorkload stream, double rate, double phase, SoakCounters counters, CancellationToken cancellationToken)
    {
        var interval = TimeSpan.FromSeconds(1 / (stream.PerSecond * rate));
        var start = counters.Elapsed + (interval * phase);
        using var slots = new SemaphoreSlim(stream.MaxInFlight, stream.MaxInFlight);
        var running = new List<Task>();
        try
        {
            for (long slot = 0; ; slot++)
            {
                var wait = start + (interval * slot) - counters.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
                else if (-wait > interval)
                {
                    // The loop itself fell behind (a starved machine): skip the slots already past.
                    var behind = (long)(-wait / interval);
                    counters.Skipped(stream.Name, behind);
                    slot += behind;
                }
                cancellationToken.ThrowIfCancellationRequested();
                if (!slots.Wait(0, cancellationToken))
                {
                    counters.Skipped(stream.Name, 1);
                    continue;
                }
                running.RemoveAll(t => t.IsCompleted);
                running.Add(Once(stream, slots, counters, cancellationToken));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        await Task.WhenAll(running);
    }

    private static async Task Once(SoakWorkload stream, SemaphoreSlim slots, SoakCounters counters, CancellationToken cancellationToken)
    {
        try
        {
            await stream.Once(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            counters.Error("driver exception", $"{stream.Name}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            slots.Release();
        }
    }

    /// <summary>Forced full GCs (and a scrape right after each) at the end of the warm-up and every <see cref="SoakOptions.FullGcEvery"/> after it.</summary>
    private static async Task FullGcs(SoakSampler sampler, SoakOptions options, SoakCounters counters, CancellationToken cancellationToken)
    {
        if (options.FullGcEvery <= TimeSpan.Zero) return;
        try
        {
            for (var due = options.Warmup; due < options.Duration - TimeSpan.FromSeconds(30); due += options.FullGcEvery)
            {
                var wait = due - counters.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
                await sampler.FullGcAll(cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private const string QueueReadMetric = "microsoft_orleans_orleans_streams_queue_read_duration{";
    private const string QueueCachedMetric = "microsoft_orleans_orleans_streams_queue_cache_messages_added{";

    /// <summary>
    /// During the warm-up, backtests one after another until every stream queue of the silos has cached an event.
    /// A queue's cache takes two blocks of 1 MiB (event data from the shared pool, and an index of 16,384 entries) with
    /// its first event and keeps them while the queue stays quiet, since events are purged by their age relative to
    /// the queue's newest one. The busy streams share a queue or two; the rest see an event now and then (each backtest's
    /// progress stream lands on a queue by the hash of its run id, two a minute at the soak's rate), so without this a
    /// silo's live heap took 1–2 MiB steps well into the judged window as quiet queues got their first event: bounded
    /// (two blocks per queue), but judged as growth. The queues are read from the silos' scrapes (Orleans' stream metrics);
    /// how many were primed, and how many backtests it took, are in the report's counts.
    /// </summary>
    private static async Task PrimeStreamQueues(SoakLoad load, SoakSampler sampler, SoakOptions options, SoakCounters counters, CancellationToken cancellationToken)
    {
        var runs = 0;
        try
        {
            while (counters.Elapsed < options.Warmup)
            {
                var queues = StreamQueues(sampler.Samples);
                if (queues.Count > 0 && queues.Values.All(cached => cached)) break;
                await load.PrimingBacktest(cancellationToken);
                runs++;
            }
        }
        catch (OperationCanceledException)
        {
        }
        var primed = StreamQueues(sampler.Samples);
        counters.Count("priming backtests (warm-up)", runs);
        counters.Peak("stream queues seen (all silos)", primed.Count);
        counters.Peak("stream queues that had cached an event when priming stopped", primed.Values.Count(cached => cached));
        Console.Error.WriteLine(Text.I($"  stream queues: {primed.Values.Count(cached => cached)} of {primed.Count} have cached an event, after {runs} priming backtests ({counters.Elapsed.TotalSeconds:0} s)"));
    }

    /// <summary>Every stream queue in the newest scrape of each process, and whether its cache has taken an event.</summary>
    private static Dictionary<string, bool> StreamQueues(IReadOnlyList<MetricSample> samples)
    {
        var queues = new Dictionary<string, bool>(StringComparer.Ordinal);
        foreach (var newest in samples.GroupBy(s => s.Process).Select(g => g.MaxBy(s => s.Seconds)!))
            foreach (var (series, value) in newest.Series)
            {
                if (series.StartsWith(QueueReadMetric, StringComparison.Ordinal)) queues.TryAdd(series[QueueReadMetric.Length..], false);
                else if (series.StartsWith(QueueCachedMetric, StringComparison.Ordinal) && value > 0) queues[series[QueueCachedMetric.Length..]] = true;
            }
        return queues;
    }

    private static async Task Progress(SoakCounters counters, SoakOptions options, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(TimeSpan.FromMinutes(1), cancellationToken);
                Console.Error.WriteLine(Text.I($"  {counters.Elapsed.TotalMinutes:0} / {options.Duration.TotalMinutes:0} min: {Text.N0(counters.Requests.Sum(r => r.Value))} requests, {Text.N0(counters.ErrorTotal)} errors, {Text.N0(counters.CountOf("ws frames"))} WebSocket frames"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
