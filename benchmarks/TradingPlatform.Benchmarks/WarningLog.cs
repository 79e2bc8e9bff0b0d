using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace TradingPlatform.Benchmarks;

/// <summary>
/// The silo's log during a run: warnings and errors only, counted by category and event, the first of
/// each printed to stderr with its exception. Anything here during a timed phase is a finding.
/// </summary>
public sealed class WarningLog : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, int> _counts = new(StringComparer.Ordinal);

    /// <summary>Counted but not printed (while a silo shuts down: its grains' last calls fail by the hundred).</summary>
    public bool Muted { get; set; }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    /// <summary>Counts since the last call, cleared; "category [level] event" → count.</summary>
    public IReadOnlyDictionary<string, int> Take()
    {
        var taken = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var key in _counts.Keys)
        {
            if (_counts.TryRemove(key, out var count)) taken[key] = count;
        }
        return taken;
    }

    private void Record(string category, LogLevel level, EventId eventId, string message, Exception? exception)
    {
        var key = $"{category} [{level}] {(eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture))}";
        if (_counts.AddOrUpdate(key, 1, (_, n) => n + 1) == 1 && !Muted)
            Console.Error.WriteLine($"  log {level} {category}: {message}{(exception is null ? "" : Environment.NewLine + exception)}");
    }

    private sealed class Logger(WarningLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            owner.Record(category, logLevel, eventId, formatter(state, exception), exception);
        }
    }
}
