using System.Text;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>
/// A resource read from every process's /metrics, and how much steady growth the soak tolerates.
/// <para>
/// Limits (per minute, the least-squares slope over the second half of the judged window): a process that grew at the
/// limit for a day would add RSS 2.8 GiB, managed heap 1.4 GiB, 1,440 threads or 2,880 handles — each enough to need
/// a restart within a day, so a leak that matters in production shows above it; below it, a ten-minute run cannot
/// tell a trend from the garbage collector's and the thread pool's own movement (the heap's saw-tooth alone is several
/// MiB). A resource fails only when the slope is above its limit <b>and</b> the value grew from the start to the end of
/// the judged window by at least half of what that limit would add over the window (a trend that is real, not the
/// phase of a saw-tooth at the end).
/// </para>
/// <para>
/// The live managed heap is the heap after a forced full GC <b>minus the free space the GC reports inside it</b>
/// (<c>GCMemoryInfo.FragmentedBytes</c>, exported per generation as
/// <c>system_runtime_dotnet_gc_last_collection_heap_fragmentation_size</c>): the large-object heap is not compacted, so
/// a freed 1 MiB buffer stays in the heap size as a hole until something fills it, and would read as growth.
/// </para>
/// </summary>
public sealed record SoakResource(string Name, string[] Families, double LimitPerMinute, double Scale, string Unit, bool AfterFullGcOnly = false, string? Minus = null)
{
    public const double MiB = 1024 * 1024;

    public static readonly SoakResource[] All =
    [
        new("RSS", ["process_resident_memory_bytes", "process_working_set_bytes"], 2 * MiB, MiB, "MiB"),
        new("live managed heap (after a forced full GC, less fragmentation)", ["system_runtime_dotnet_gc_last_collection_heap_size"], 1 * MiB, MiB, "MiB", AfterFullGcOnly: true,
            Minus: "system_runtime_dotnet_gc_last_collection_heap_fragmentation_size"),
        new("GC heap after last GC", ["system_runtime_dotnet_gc_last_collection_heap_size"], 1 * MiB, MiB, "MiB"),
        new("GC heap (GC.GetTotalMemory)", ["dotnet_total_memory_bytes"], 1 * MiB, MiB, "MiB"),
        new("threads", ["process_num_threads"], 1, 1, ""),
        new("handles", ["process_open_handles"], 2, 1, ""),
    ];

    /// <summary>
    /// The value in a sample: the first family this process exports, less <see cref="Minus"/> when it exports that
    /// (null when it exports none of <see cref="Families"/>).
    /// </summary>
    public double? In(MetricSample sample)
    {
        foreach (var family in Families)
        {
            var value = sample.Family(family);
            if (value != 0 || Has(sample, family)) return Minus is not null && Has(sample, Minus) ? value - sample.Family(Minus) : value;
        }
        return null;
    }

    private static bool Has(MetricSample sample, string family) => sample.Series.Keys.Any(k => k.StartsWith(family, StringComparison.Ordinal));
}

public sealed record ResourceResult(string Process, SoakResource Resource, double Start, double End, double Max, double SlopePerMinute, int Points, bool Failed, bool Judged);

/// <summary>The computed verdict: resources flat, errors not growing, no error flood, every kind of work done.</summary>
public sealed class SoakVerdict(SoakOptions options, SoakCounters counters, IReadOnlyList<MetricSample> samples, double endSeconds)
{
    /// <summary>Errors may be at most this share of all requests (a soak that fails steadily is not flat, it is broken).</summary>
    public const double MaxErrorShare = 0.01;

    /// <summary>Errors per minute may differ between the two halves of the judged window by this much before it counts as growth.</summary>
    public const double ErrorGrowthTolerancePerMinute = 1;

    public List<string> Failures { get; } = [];
    public List<ResourceResult> Resources { get; } = [];
    public double JudgedFrom => options.Warmup.TotalSeconds;
    public double Half => JudgedFrom + ((endSeconds - JudgedFrom) / 2);

    public bool Passed => Failures.Count == 0;

    public void Compute()
    {
        foreach (var process in options.Processes)
        {
            var judged = samples.Where(s => s.Process == process.Name && s.Seconds >= JudgedFrom).OrderBy(s => s.Seconds).ToList();
            if (judged.Count < 3)
            {
                Failures.Add(Text.I($"{process.Name}: only {judged.Count} samples after the warm-up"));
                continue;
            }
            if (judged[^1].Seconds < endSeconds - (2.5 * options.SampleEvery.TotalSeconds))
                Failures.Add(Text.I($"{process.Name}: no sample in the last {endSeconds - judged[^1].Seconds:0} s (did it stop?)"));
            var hasAfterGc = judged.Any(s => s.Series.Keys.Any(k => k.StartsWith("system_runtime_dotnet_gc_last_collection_heap_size", StringComparison.Ordinal)));
            var hasFullGc = judged.Count(s => s.AfterFullGc) >= 3;
            foreach (var resource in SoakResource.All)
            {
                var points = judged.Where(s => s.AfterFullGc || !resource.AfterFullGcOnly).Select(s => (s.Seconds, Value: resource.In(s)))
                    .Where(p => p.Value is not null).Select(p => (p.Seconds, Value: p.Value!.Value)).ToList();
                if (points.Count < 3) continue;
                // The managed heap is judged by its best measure present: live after a forced full GC, else after the last GC,
                // else GC.GetTotalMemory. The others are shown (they include garbage that the next gen2 collection frees).
                var judgedResource = resource.Name switch
                {
                    "GC heap after last GC" => !hasFullGc,
                    "GC heap (GC.GetTotalMemory)" => !hasFullGc && !hasAfterGc,
                    _ => true,
                };
                // Forced full GCs are few (one a minute): their slope is taken over the whole judged window.
                var second = points.Where(p => p.Seconds >= Half).ToList();
                var slope = Slope(second.Count >= 3 && !resource.AfterFullGcOnly ? second : points);
                var start = points[0].Value;
                var end = points[^1].Value;
                var minutes = (points[^1].Seconds - points[0].Seconds) / 60;
                var failed = judgedResource && slope > resource.LimitPerMinute && end - start > resource.LimitPerMinute * minutes / 2;
                Resources.Add(new ResourceResult(process.Name, resource, start, end, points.Max(p => p.Value), slope, points.Count, failed, judgedResource));
                if (failed)
                    Failures.Add(Text.I($"{process.Name} {resource.Name}: grows {slope / resource.Scale:0.00} {resource.Unit}/min over the second half (limit {resource.LimitPerMinute / resource.Scale:0.##}), {start / resource.Scale:0.#} → {end / resource.Scale:0.#}"));
            }
        }

        var (first, secondHalf) = ErrorHalves();
        if (secondHalf.PerMinute > first.PerMinute + ErrorGrowthTolerancePerMinute)
            Failures.Add(Text.I($"client errors grow: {first.Count} in the first half of the judged window ({first.PerMinute:0.00}/min), {secondHalf.Count} in the second ({secondHalf.PerMinute:0.00}/min)"));
        foreach (var (process, name, a, b) in ServerErrorHalves())
            if (b > a + (ErrorGrowthTolerancePerMinute * (endSeconds - Half) / 60))
                Failures.Add(Text.I($"{process} {name} grows: +{a:0} in the first half, +{b:0} in the second"));

        var requests = counters.Requests.Sum(r => r.Value);
        var errors = counters.Errors.Sum(e => e.Value);
        if (requests == 0) Failures.Add("no request was sent");
        else if (errors > MaxErrorShare * requests) Failures.Add(Text.I($"{errors} errors in {requests} requests: more than {MaxErrorShare:P0}"));
        foreach (var kind in counters.Requests.Keys.Select(k => k.Kind).Distinct().Where(k => k != "setup"))
            if (!counters.Requests.Any(r => r.Key.Kind == kind && r.Key.Outcome.Length == 3 && r.Key.Outcome[0] is '2' or '4' && r.Value > 0))
                Failures.Add($"{kind}: no request got an answer");
        if (options.Subscribers > 0)
        {
            if (counters.CountOf("ws connects") == 0) Failures.Add("no WebSocket connected");
            if (counters.CountOf("ws resumes with since") == 0 && endSeconds > 120) Failures.Add("no WebSocket resumed with since");
            if (!counters.Counts.Any(c => c.Key.StartsWith("ws events ", StringComparison.Ordinal) && c.Value > 0)) Failures.Add("no WebSocket event received");
        }
        if (endSeconds > 90 && counters.CountOf("backtest completed") == 0) Failures.Add("no backtest completed");
    }

    public ((long Count, double PerMinute) First, (long Count, double PerMinute) Second) ErrorHalves()
    {
        // Client errors by minute of the run; the halves are whole minutes of the judged window, the last partial minute left out.
        var from = (int)Math.Ceiling(JudgedFrom / 60);
        var to = (int)Math.Floor(endSeconds / 60); // exclusive
        if (to - from < 2) return ((0, 0), (0, 0));
        var middle = from + ((to - from) / 2);
        long Count(int a, int b) => Enumerable.Range(a, b - a).Sum(m => counters.ErrorsByMinute.TryGetValue(m, out var n) ? n : 0);
        var first = Count(from, middle);
        var second = Count(middle, to);
        return ((first, first / (double)(middle - from)), (second, second / (double)(to - middle)));
    }

    /// <summary>Server-side error counters: deltas over the first and the second half of the judged window.</summary>
    public IEnumerable<(string Process, string Name, double First, double Second)> ServerErrorHalves()
    {
        foreach (var process in options.Processes)
        {
            var judged = samples.Where(s => s.Process == process.Name && s.Seconds >= JudgedFrom).OrderBy(s => s.Seconds).ToList();
            if (judged.Count < 3) continue;
            var middle = judged.OrderBy(s => Math.Abs(s.Seconds - Half)).First();
            foreach (var (name, read) in ServerErrorCounters)
            {
                var a = read(judged[0]);
                var m = read(middle);
                var b = read(judged[^1]);
                if (a is null || m is null || b is null) continue;
                yield return (process.Name, name, m.Value - a.Value, b.Value - m.Value);
            }
        }
    }

    /// <summary>Counters of the platform that count failures (absent on processes that do not export them).</summary>
    public static readonly (string Name, Func<MetricSample, double?> Read)[] ServerErrorCounters =
    [
        ("HTTP 5xx answers", s => s.Series.Keys.Any(k => k.StartsWith("http_requests_received_total", StringComparison.Ordinal))
            ? s.Series.Where(kv => kv.Key.StartsWith("http_requests_received_total{", StringComparison.Ordinal) && kv.Key.Contains("code=\"5", StringComparison.Ordinal)).Sum(kv => kv.Value)
            : null),
        ("WS events dropped (queue full)", s => Has(s, "tradingplatform_ws_dropped_total") ? s.Family("tradingplatform_ws_dropped_total") : null),
        ("WS resyncs", s => Has(s, "tradingplatform_ws_resyncs_total") ? s.Family("tradingplatform_ws_resyncs_total") : null),
        ("WS slow-consumer disconnects", s => Has(s, "tradingplatform_ws_slow_consumer_disconnects_total") ? s.Family("tradingplatform_ws_slow_consumer_disconnects_total") : null),
    ];

    private static bool Has(MetricSample sample, string family) => sample.Series.Keys.Any(k => k.StartsWith(family, StringComparison.Ordinal));

    /// <summary>Least-squares slope, in units per minute.</summary>
    public static double Slope(IReadOnlyList<(double Seconds, double Value)> points)
    {
        var n = points.Count;
        if (n < 2) return 0;
        var mx = points.Average(p => p.Seconds / 60);
        var my = points.Average(p => p.Value);
        double sxy = 0, sxx = 0;
        foreach (var (seconds, value) in points)
        {
            var dx = (seconds / 60) - mx;
            sxy += dx * (value - my);
            sxx += dx * dx;
        }
        return sxx == 0 ? 0 : sxy / sxx;
    }

    public string Summary()
    {
        var text = new StringBuilder();
        text.AppendLine(Passed ? "**Verdict: passed.**" : "**Verdict: FAILED.**");
        foreach (var failure in Failures) text.AppendLine("- " + failure);
        return text.ToString();
    }
}
