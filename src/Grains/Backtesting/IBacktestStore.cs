using System.Text.Json;
using System.Text.Json.Serialization;
using TradingPlatform.Common;

namespace TradingPlatform.Backtesting;

/// <summary>
/// Where backtest runs and their results live: Postgres (<c>backtest_runs</c>, <c>backtest_results</c>,
/// <c>backtest_trades</c>) or memory when embedded. A run's row is its grain's state; results are written
/// whole, in one transaction, before the run is marked completed. API nodes read lists and results here
/// directly (bulk history, not live state).
/// </summary>
public interface IBacktestStore
{
    /// <summary>Stores a new run; false when the id is taken.</summary>
    Task<bool> Insert(BacktestRun run, CancellationToken cancellationToken = default);

    Task Update(BacktestRun run, CancellationToken cancellationToken = default);

    Task<BacktestRun?> Get(string runId, CancellationToken cancellationToken = default);

    /// <summary>Runs newest first.</summary>
    Task<Page<BacktestRun>> List(BacktestRunQuery query, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>Replaces the run's results (a rerun after a failover writes them again).</summary>
    Task SaveResults(string runId, BacktestResult result, CancellationToken cancellationToken = default);

    /// <summary>The run's metrics, equity curve and one page of its trades (in execution order); null when it has no results.</summary>
    Task<BacktestResultsPage?> Results(string runId, PageRequest trades, CancellationToken cancellationToken = default);
}

/// <summary>What <c>GET /v1/runs/{id}/results</c> serves.</summary>
public sealed record BacktestResultsPage(BacktestMetrics Metrics, IReadOnlyList<EquityPoint> EquityCurve, Page<BacktestTrade> Trades, long Bars);

/// <summary>The JSON form runs and metrics are stored in (web defaults, enums as snake_case names, no NaN).</summary>
public static class BacktestJson
{
    public static readonly JsonSerializerOptions Options = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
