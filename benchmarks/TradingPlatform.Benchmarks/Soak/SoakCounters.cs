using System.Collections.Concurrent;
using System.Diagnostics;

namespace TradingPlatform.Benchmarks.Soak;

/// <summary>Kinds of unexpected outcome the client counts; anything here is an error of the run.</summary>
public static class ErrorKind
{
    public const string Timeout = "timeout";
    public const string ServerError = "5xx";
    public const string UnexpectedClientError = "unexpected 4xx";
    public const string UnexpectedStatus = "other unexpected status";
    public const string Connection = "connection refused/reset";
    public const string NotProblemDetails = "4xx without problem+json";
    public const string Contract = "contract (wrong body/header)";
    public const string BacktestFailed = "backtest not completed";
    public const string WsConnect = "ws connect failed";
    public const string WsGap = "ws seq gap";
    public const string WsDuplicate = "ws seq repeated";
    public const string WsResync = "ws resync";
    public const string WsClosed = "ws closed by server";
    public const string WsErrorFrame = "ws error frame";
    public const string WsSilent = "ws no answer to ping";
    public const string Scrape = "metrics scrape failed";
}

/// <summary>
/// What the client saw: requests by endpoint kind and outcome (status, or an error kind), latencies, errors by kind and
/// by minute of the run, WebSocket frames and other named counts (order statuses, backtest ends). Thread-safe; read at the end (and as running totals by the sampler).
/// </summary>
public sealed class SoakCounters(Stopwatch clock)
{
    private readonly ConcurrentDictionary<(string Kind, string Outcome), long> _requests = new();
    private readonly ConcurrentDictionary<string, List<double>> _latencies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, long> _errorsByMinute = new();
    private readonly ConcurrentDictionary<(int Minute, string Kind), long> _requestsByMinute = new();
    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _skipped = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _firstErrors = new();
    private long _errorTotal;

    public TimeSpan Elapsed => clock.Elapsed;

    public long ErrorTotal => Interlocked.Read(ref _errorTotal);

    public void Request(string kind, string outcome, double milliseconds)
    {
        _requests.AddOrUpdate((kind, outcome), 1, (_, n) => n + 1);
        _requestsByMinute.AddOrUpdate((Minute(), kind), 1, (_, n) => n + 1);
        var list = _latencies.GetOrAdd(kind, _ => []);
        lock (list) list.Add(milliseconds);
    }

    public void Error(string kind, string detail)
    {
        _errors.AddOrUpdate(kind, 1, (_, n) => n + 1);
        _errorsByMinute.AddOrUpdate(Minute(), 1, (_, n) => n + 1);
        Interlocked.Increment(ref _errorTotal);
        if (_firstErrors.Count < 40)
        {
            _firstErrors.Enqueue(Text.I($"{Elapsed.TotalSeconds:0}s {kind}: {detail}"));
            Console.Error.WriteLine(Text.I($"  [{Elapsed.TotalSeconds:0} s] {kind}: {detail}"));
        }
    }

    public void Count(string what, long count = 1) => _counts.AddOrUpdate(what, count, (_, n) => n + count);

    /// <summary>The largest value seen of a level (not a count): shown with the counts.</summary>
    public void Peak(string what, long value) => _counts.AddOrUpdate(what, value, (_, n) => Math.Max(n, value));

    public void Skipped(string stream, long count) => _skipped.AddOrUpdate(stream, count, (_, n) => n + count);

    private int Minute() => (int)clock.Elapsed.TotalMinutes;

    public IReadOnlyDictionary<(string Kind, string Outcome), long> Requests => _requests;

    public IReadOnlyDictionary<string, long> Errors => _errors;

    public IReadOnlyDictionary<int, long> ErrorsByMinute => _errorsByMinute;

    public IReadOnlyDictionary<(int Minute, string Kind), long> RequestsByMinute => _requestsByMinute;

    public IReadOnlyDictionary<string, long> Counts => _counts;

    public IReadOnlyDictionary<string, long> SkippedSlots => _skipped;

    public IReadOnlyCollection<string> FirstErrors => _firstErrors;

    public long CountOf(string what) => _counts.TryGetValue(what, out var n) ? n : 0;

    /// <summary>p50 and p99 in ms of one kind (nearest rank).</summary>
    public (double P50, double P99, double Max) Latency(string kind)
    {
        if (!_latencies.TryGetValue(kind, out var list)) return (double.NaN, double.NaN, double.NaN);
        double[] sorted;
        lock (list) sorted = [.. list];
        if (sorted.Length == 0) return (double.NaN, double.NaN, double.NaN);
        Array.Sort(sorted);
        double At(double p) => sorted[Math.Clamp((int)Math.Ceiling(p / 100 * sorted.Length) - 1, 0, sorted.Length - 1)];
        return (At(50), At(99), sorted[^1]);
    }
}
