using System.Globalization;
using System.Text;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>The Markdown body of the soak's section: load, requests and errors by kind, resources per process, counters, verdict.</summary>
public static class SoakReport
{
    public static string Markdown(SoakOptions options, IReadOnlyList<SoakWorkload> streams, SoakCounters counters, IReadOnlyList<MetricSample> samples,
        SoakVerdict verdict, double endSeconds)
    {
        var text = new StringBuilder();
        var judgedMinutes = (endSeconds - verdict.JudgedFrom) / 60;
        text.AppendLine(Text.I($"Run: {endSeconds / 60:0.0} min of load ({options.Warmup.TotalMinutes:0.#} min warm-up, then {judgedMinutes:0.0} min judged), {options.Apis.Count} API node(s), {options.Processes.Count} processes sampled every {options.SampleEvery.TotalSeconds:0} s, {options.Subscribers} WebSocket subscribers, rate ×{options.Rate:0.##}."));
        text.AppendLine();
        text.Append(verdict.Summary());
        text.AppendLine();

        text.AppendLine("### Resources per process (judged window: after the warm-up)");
        text.AppendLine();
        text.AppendLine("Start = first sample after the warm-up, end = last sample, max over the judged window, slope = least squares over its second half"
            + " (for the live heap: over the forced full GCs of the whole judged window). Limits and why: `SoakResource` in `Soak/SoakVerdict.cs`, and below.");
        text.AppendLine();
        text.AppendLine("| process | resource | start | end | max | slope /min (2nd half) | limit /min | |");
        text.AppendLine("|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var r in verdict.Resources)
        {
            string F(double v) => r.Resource.Scale == 1 ? Text.F(v, "0") : Text.F(v / r.Resource.Scale, "0.0");
            var slope = r.Resource.Scale == 1 ? Text.F(r.SlopePerMinute, "+0.00;-0.00;0") : Text.F(r.SlopePerMinute / r.Resource.Scale, "+0.00;-0.00;0");
            var unit = r.Resource.Unit.Length > 0 ? " " + r.Resource.Unit : "";
            var mark = !r.Judged ? "shown, not judged" : r.Failed ? "**GROWS**" : "flat";
            if (r.Resource.AfterFullGcOnly) mark += Text.I($" ({r.Points} full GCs)");
            text.AppendLine(Text.I($"| {r.Process} | {r.Resource.Name} | {F(r.Start)}{unit} | {F(r.End)}{unit} | {F(r.Max)}{unit} | {slope}{unit} | {(r.Judged ? F(r.Resource.LimitPerMinute) + unit : "")} | {mark} |"));
        }
        text.AppendLine();
        AppendCpu(text, options, samples, verdict);

        text.AppendLine("### Requests by kind (client side)");
        text.AppendLine();
        text.AppendLine("Each kind starts on a fixed schedule with at most 4 in flight (backtests and token refreshes 1; timeout 15 s); a slot that finds the bound reached is skipped, not made up."
            + Text.I($" Besides the streams: a limit order that rests while its strategy already has {SoakLoad.RestingCap} the client left resting cancels the oldest of them (`order resting cap: cancel oldest`),")
            + " so the resting book stays bounded; during the warm-up only, `priming backtest` runs one after another until every stream queue has cached an event (`SoakBench.PrimeStreamQueues`).");
        text.AppendLine();
        text.AppendLine("| kind | target /s | requests | answers | p50 ms | p99 ms | max ms | slots skipped |");
        text.AppendLine("|---|---:|---:|---|---:|---:|---:|---:|");
        var kinds = counters.Requests.Keys.Select(k => k.Kind).Distinct(StringComparer.Ordinal).OrderBy(k => k, StringComparer.Ordinal).ToList();
        foreach (var kind in kinds)
        {
            var outcomes = counters.Requests.Where(r => r.Key.Kind == kind).OrderBy(r => r.Key.Outcome, StringComparer.Ordinal).ToList();
            var total = outcomes.Sum(o => o.Value);
            var stream = streams.FirstOrDefault(s => s.Name == kind || (kind.StartsWith(s.Name, StringComparison.Ordinal)));
            var target = stream is null || kind.StartsWith("backtest ", StringComparison.Ordinal) && kind != "backtest create" ? "" : Text.F(stream.PerSecond * options.Rate, "0.###");
            var (p50, p99, max) = counters.Latency(kind);
            var skipped = stream is not null && counters.SkippedSlots.TryGetValue(stream.Name, out var s) && (stream.Name == kind || kind == "backtest create") ? Text.N0(s) : "";
            text.AppendLine(Text.I($"| {kind} | {target} | {Text.N0(total)} | {string.Join(", ", outcomes.Select(o => Text.I($"{o.Key.Outcome} ×{Text.N0(o.Value)}")))} | {Latencies.Format(p50)} | {Latencies.Format(p99)} | {Latencies.Format(max)} | {skipped} |"));
        }
        var all = counters.Requests.Sum(r => r.Value);
        text.AppendLine(Text.I($"| **all** | {Text.F(streams.Sum(s => s.PerSecond) * options.Rate, "0.#")} | **{Text.N0(all)}** | | | | | |"));
        text.AppendLine();

        text.AppendLine("Outcomes the client checked beyond the status:");
        text.AppendLine();
        foreach (var (name, value) in counters.Counts.OrderBy(c => c.Key, StringComparer.Ordinal))
            text.AppendLine(Text.I($"- {name}: {Text.N0(value)}"));
        text.AppendLine();

        text.AppendLine("### Errors");
        text.AppendLine();
        var (first, second) = verdict.ErrorHalves();
        if (counters.Errors.Count == 0) text.AppendLine("No error of any kind (timeouts, 5xx, unexpected 4xx, 4xx without problem details, refused connections, contract checks, WebSocket gaps, duplicates, resyncs, unexpected closes, failed scrapes): **0**.");
        else
        {
            text.AppendLine("| error kind | count |");
            text.AppendLine("|---|---:|");
            foreach (var (kind, count) in counters.Errors.OrderByDescending(e => e.Value)) text.AppendLine(Text.I($"| {kind} | {Text.N0(count)} |"));
        }
        text.AppendLine();
        var minutes = (int)Math.Ceiling(endSeconds / 60);
        text.AppendLine("Client errors by minute of the run: " + string.Join(" ", Enumerable.Range(0, minutes).Select(m => counters.ErrorsByMinute.TryGetValue(m, out var n) ? n.ToString(CultureInfo.InvariantCulture) : "0"))
            + Text.I($" (judged halves: {first.Count} then {second.Count}, i.e. {first.PerMinute:0.00} and {second.PerMinute:0.00} per minute)."));
        text.AppendLine();
        text.AppendLine("Requests by minute of the run: " + string.Join(" ", Enumerable.Range(0, minutes).Select(m => Text.N0(counters.RequestsByMinute.Where(r => r.Key.Minute == m).Sum(r => r.Value)))) + ".");
        text.AppendLine();
        var serverErrors = verdict.ServerErrorHalves().ToList();
        if (serverErrors.Count > 0)
        {
            text.AppendLine("Server-side error counters, increase over the first / second half of the judged window: "
                + string.Join("; ", serverErrors.Select(e => Text.I($"{e.Process} {e.Name} +{e.First:0} / +{e.Second:0}"))) + ".");
            text.AppendLine();
        }
        if (counters.FirstErrors.Count > 0)
        {
            text.AppendLine("First errors (at most 40):");
            text.AppendLine();
            text.AppendLine("```");
            foreach (var line in counters.FirstErrors) text.AppendLine(line);
            text.AppendLine("```");
            text.AppendLine();
        }

        text.AppendLine("### Platform counters (increase over the judged window, from each process's /metrics)");
        text.AppendLine();
        text.AppendLine("| process | counter | increase |");
        text.AppendLine("|---|---|---:|");
        foreach (var process in options.Processes)
        {
            var judged = samples.Where(s => s.Process == process.Name && s.Seconds >= verdict.JudgedFrom).OrderBy(s => s.Seconds).ToList();
            if (judged.Count < 2) continue;
            var a = judged[0];
            var b = judged[^1];
            foreach (var key in b.Series.Keys.Where(IsPlatformCounter).OrderBy(k => k, StringComparer.Ordinal))
            {
                var delta = b.Series[key] - a.Value(key).GetValueOrDefault();
                if (delta > 0) text.AppendLine(Text.I($"| {process.Name} | `{key}` | {Text.N0(delta)} |"));
            }
        }
        text.AppendLine();
        return text.ToString();
    }

    private static bool IsPlatformCounter(string key) =>
        (key.StartsWith("tradingplatform_", StringComparison.Ordinal) && key.Contains("_total", StringComparison.Ordinal) && !key.Contains("_bucket", StringComparison.Ordinal))
        || (key.StartsWith("http_requests_received_total{", StringComparison.Ordinal));

    private static void AppendCpu(StringBuilder text, SoakOptions options, IReadOnlyList<MetricSample> samples, SoakVerdict verdict)
    {
        var parts = new List<string>();
        foreach (var process in options.Processes)
        {
            var judged = samples.Where(s => s.Process == process.Name && s.Seconds >= verdict.JudgedFrom).OrderBy(s => s.Seconds).ToList();
            if (judged.Count < 2 || judged[0].Value("process_cpu_seconds_total") is not { } a || judged[^1].Value("process_cpu_seconds_total") is not { } b) continue;
            var minutes = (judged[^1].Seconds - judged[0].Seconds) / 60;
            parts.Add(Text.I($"{process.Name} {(b - a) / minutes:0.0} CPU-s/min ({(b - a) / (minutes * 60) * 100:0}% of a core)"));
        }
        if (parts.Count == 0) return;
        text.AppendLine("CPU over the judged window (`process_cpu_seconds_total`): " + string.Join(", ", parts) + ".");
        text.AppendLine();
    }
}
