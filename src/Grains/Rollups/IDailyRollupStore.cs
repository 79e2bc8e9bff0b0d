using TradingPlatform.Common;

namespace TradingPlatform.Rollups;

/// <summary>
/// Where daily rollups live: Postgres (<c>daily_rollups</c>, migration 0007) or memory when embedded. Silos write
/// (the rollup grain); API nodes read pages and series directly (history, written once per day).
/// </summary>
public interface IDailyRollupStore
{
    /// <summary>The last day whose portfolio row is written (a day's rows are written together, the portfolio's last), or null.</summary>
    Task<DateOnly?> LastCompleteDay(CancellationToken cancellationToken = default);

    /// <summary>Each scope's most recent row before <paramref name="day"/>.</summary>
    Task<IReadOnlyDictionary<string, DailyRollup>> LatestBefore(DateOnly day, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the rows in one transaction, each only if its (scope, day) is absent: a retry or a racing writer never
    /// duplicates or overwrites a day. Returns how many rows were new.
    /// </summary>
    Task<int> Write(IReadOnlyList<DailyRollup> rows, CancellationToken cancellationToken = default);

    /// <summary>One scope's rows, newest day first.</summary>
    Task<Page<DailyRollup>> Query(DailyRollupQuery query, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>One scope's rows in the range, oldest day first (the series risk metrics run over).</summary>
    Task<IReadOnlyList<DailyRollup>> Series(DailyRollupQuery query, CancellationToken cancellationToken = default);
}
