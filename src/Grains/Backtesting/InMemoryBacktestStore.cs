using System.Collections.Concurrent;
using TradingPlatform.Common;

namespace TradingPlatform.Backtesting;

/// <summary>The embedded-mode twin of <see cref="PostgresBacktestStore"/>: same contract, nothing durable.</summary>
public sealed class InMemoryBacktestStore : IBacktestStore
{
    private readonly ConcurrentDictionary<string, (long Seq, BacktestRun Run)> _runs = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, BacktestResult> _results = new(StringComparer.Ordinal);
    private long _seq;

    public Task<bool> Insert(BacktestRun run, CancellationToken cancellationToken = default) =>
        Task.FromResult(_runs.TryAdd(run.Id, (Interlocked.Increment(ref _seq), run)));

    public Task Update(BacktestRun run, CancellationToken cancellationToken = default)
    {
        _runs.AddOrUpdate(run.Id, _ => (Interlocked.Increment(ref _seq), run), (_, held) => (held.Seq, run));
        return Task.CompletedTask;
    }

    public Task<BacktestRun?> Get(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_runs.TryGetValue(runId, out var held) ? held.Run : null);

    public Task<Page<BacktestRun>> List(BacktestRunQuery query, PageRequest page, CancellationToken cancellationToken = default)
    {
        var matching = _runs.Values
            .Where(r => (query.Status is null || r.Run.Status == query.Status)
                && (query.StrategyKind is null || r.Run.Request.Kind == query.StrategyKind)
                && (query.Symbol is null || r.Run.Request.Symbol == query.Symbol))
            .OrderByDescending(r => r.Seq)
            .Select(r => r.Run)
            .ToList();
        var items = matching.Skip((int)Math.Min(page.Skip, int.MaxValue)).Take(page.PerPage).ToArray();
        return Task.FromResult(new Page<BacktestRun>(items, page.Page, page.PerPage, matching.Count));
    }

    public Task SaveResults(string runId, BacktestResult result, CancellationToken cancellationToken = default)
    {
        if (!_runs.ContainsKey(runId)) throw new InvalidOperationException($"No backtest run '{runId}'.");
        _results[runId] = result;
        return Task.CompletedTask;
    }

    public Task<BacktestResultsPage?> Results(string runId, PageRequest trades, CancellationToken cancellationToken = default)
    {
        if (!_results.TryGetValue(runId, out var result)) return Task.FromResult<BacktestResultsPage?>(null);
        var items = result.Trades.Skip((int)Math.Min(trades.Skip, int.MaxValue)).Take(trades.PerPage).ToArray();
        return Task.FromResult<BacktestResultsPage?>(new BacktestResultsPage(result.Metrics, result.EquityCurve,
            new Page<BacktestTrade>(items, trades.Page, trades.PerPage, result.Trades.Count), result.Bars));
    }
}
