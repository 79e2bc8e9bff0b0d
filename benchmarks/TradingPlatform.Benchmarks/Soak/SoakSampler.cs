using System.Globalization;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>One scrape of one process: seconds since the start of the run, and every series of its /metrics (name{labels} → value).</summary>
public sealed record MetricSample(string Process, double Seconds, IReadOnlyDictionary<string, double> Series, long ClientErrors, bool AfterFullGc = false)
{
    /// <summary>The sum over every label set of a metric family (e.g. all statuses of a counter).</summary>
    public double Family(string name)
    {
        double sum = 0;
        foreach (var (key, value) in Series)
            if (key.Length >= name.Length && key.StartsWith(name, StringComparison.Ordinal) && (key.Length == name.Length || key[name.Length] == '{'))
                sum += value;
        return sum;
    }

    public double? Value(string series) => Series.TryGetValue(series, out var v) ? v : null;
}

/// <summary>Scrapes each process's <c>/metrics</c> (Prometheus text) every period; a failed scrape is an error of the run.</summary>
public sealed class SoakSampler(IReadOnlyList<SoakProcess> processes, SoakCounters counters, TimeSpan every) : IDisposable
{
    private readonly List<MetricSample> _samples = [];
    private readonly HttpClient _client = new() { Timeout = TimeSpan.FromSeconds(10) };

    public IReadOnlyList<MetricSample> Samples
    {
        get
        {
            lock (_samples) return [.. _samples];
        }
    }

    public async Task Run(CancellationToken cancellationToken)
    {
        var started = counters.Elapsed;
        for (long n = 0; !cancellationToken.IsCancellationRequested; n++)
        {
            var due = started + every * n;
            var wait = due - counters.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(wait, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            await SampleAll(CancellationToken.None);
        }
    }

    /// <summary>One scrape of every process, now (also called once more at the end of the run).</summary>
    public Task SampleAll(CancellationToken cancellationToken) => Task.WhenAll(processes.Select(p => Sample(p, cancellationToken)));

    /// <summary>A forced full GC in every process that has a pid, each followed at once by a scrape marked <see cref="MetricSample.AfterFullGc"/>.</summary>
    public Task FullGcAll(CancellationToken cancellationToken) => Task.WhenAll(processes.Where(p => p.Pid is not null).Select(async p =>
    {
        if (await SoakFullGc.Induce(p.Pid!.Value, counters, cancellationToken)) await Sample(p, cancellationToken, afterFullGc: true);
    }));

    private async Task Sample(SoakProcess process, CancellationToken cancellationToken, bool afterFullGc = false)
    {
        var at = counters.Elapsed.TotalSeconds;
        try
        {
            var text = await _client.GetStringAsync(process.Metrics, cancellationToken);
            var sample = new MetricSample(process.Name, at, Parse(text), counters.ErrorTotal, afterFullGc);
            lock (_samples) _samples.Add(sample);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            counters.Error(ErrorKind.Scrape, $"{process.Name} {process.Metrics}: {e.Message}");
        }
    }

    /// <summary>Prometheus text format: <c>name{labels} value [timestamp]</c> lines; comments skipped.</summary>
    public static Dictionary<string, double> Parse(string text)
    {
        var series = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            var close = line.LastIndexOf('}');
            var space = line.IndexOf(' ', close < 0 ? 0 : close);
            if (space <= 0) continue;
            var rest = line[(space + 1)..].Trim();
            var end = rest.IndexOf(' ', StringComparison.Ordinal);
            if (end > 0) rest = rest[..end];
            if (double.TryParse(rest, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)) series[line[..space]] = value;
        }
        return series;
    }

    public void Dispose() => _client.Dispose();

    public async Task WriteCsv(string path)
    {
        await using var writer = new StreamWriter(path);
        await writer.WriteLineAsync("process,seconds,after_full_gc,series,value");
        foreach (var sample in Samples)
            foreach (var (key, value) in sample.Series.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                await writer.WriteLineAsync(Text.I($"{sample.Process},{sample.Seconds:0.0},{(sample.AfterFullGc ? 1 : 0)},\"{key.Replace("\"", "\"\"", StringComparison.Ordinal)}\",{value}"));
    }
}
