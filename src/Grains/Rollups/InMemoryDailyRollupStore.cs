using TradingPlatform.Common;

namespace TradingPlatform.Rollups;

/// <summary>The embedded-mode twin of <see cref="PostgresDailyRollupStore"/>: same contract, nothing durable.</summary>
public sealed class InMemoryDailyRollupStore : IDailyRollupStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Scope, DateOnly Day), DailyRollup> _rows = [];

    public Task<DateOnly?> LastCompleteDay(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            DateOnly? last = null;
            foreach (var (key, _) in _rows)
                if (key.Scope == RollupScopes.Portfolio && (last is null || key.Day > last)) last = key.Day;
            return Task.FromResult(last);
        }
    }

    public Task<IReadOnlyDictionary<string, DailyRollup>> LatestBefore(DateOnly day, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var latest = new Dictionary<string, DailyRollup>(StringComparer.Ordinal);
            foreach (var row in _rows.Values)
                if (row.Day < day && (!latest.TryGetValue(row.Scope, out var held) || held.Day < row.Day)) latest[row.Scope] = row;
            return Task.FromResult<IReadOnlyDictionary<string, DailyRollup>>(latest);
        }
    }

    public Task<int> Write(IReadOnlyList<DailyRollup> rows, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var written = 0;
            foreach (var row in rows)
                if (_rows.TryAdd((row.Scope, row.Day), row)) written++;
            return Task.FromResult(written);
        }
    }

    public Task<Page<DailyRollup>> Query(DailyRollupQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        var matching = Matching(query).OrderByDescending(r => r.Day).ToList();
        var items = matching.Skip((int)Math.Min(page.Skip, int.MaxValue)).Take(page.PerPage).ToArray();
        return Task.FromResult(new Page<DailyRollup>(items, page.Page, page.PerPage, matching.Count));
    }

    public Task<IReadOnlyList<DailyRollup>> Series(DailyRollupQuery query, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DailyRollup>>(Matching(query).OrderBy(r => r.Day).ToArray());

    private List<DailyRollup> Matching(DailyRollupQuery query)
    {
        lock (_lock)
            return _rows.Values.Where(r => r.Scope == query.Scope && (query.From is not { } from || r.Day >= from) && (query.To is not { } to || r.Day <= to)).ToList();
    }
}
