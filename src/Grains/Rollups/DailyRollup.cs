namespace TradingPlatform.Rollups;

/// <summary>
/// One scope's snapshot of one UTC day (a row of <c>daily_rollups</c>). Money is decimal.
/// <list type="bullet">
/// <item><see cref="Equity"/> = <see cref="Capital"/> + realized + unrealized PnL, as of <see cref="CapturedAtUtc"/>.</item>
/// <item><see cref="DailyPnl"/> = total PnL − the scope's previous snapshot's total PnL (0 before the first), so
/// the equity before the day is <see cref="Equity"/> − <see cref="DailyPnl"/> and daily returns chain exactly.</item>
/// <item><see cref="Fills"/>: fills the journal holds with an execution time in the day.</item>
/// <item><see cref="Late"/>: captured more than <c>Rollups:LateAfterMinutes</c> after the day ended (the cluster was
/// down at midnight): the values are those at <see cref="CapturedAtUtc"/>, not at the day's end.</item>
/// </list>
/// </summary>
public sealed record DailyRollup(
    string Scope,
    DateOnly Day,
    decimal Capital,
    decimal Equity,
    decimal RealizedPnl,
    decimal UnrealizedPnl,
    decimal DailyPnl,
    decimal GrossExposure,
    decimal NetExposure,
    int OpenPositions,
    long Fills,
    bool Late,
    DateTimeOffset CapturedAtUtc)
{
    public decimal TotalPnl => RealizedPnl + UnrealizedPnl;

    /// <summary>Equity at the start of the day (the end of the scope's previous snapshot).</summary>
    public decimal StartEquity => Equity - DailyPnl;

    /// <summary>The strategy id of a strategy scope; null for the portfolio.</summary>
    public string? StrategyId => RollupScopes.StrategyIdOf(Scope);
}

/// <summary>Which rows <see cref="IDailyRollupStore.Query"/> returns: one scope, days from/to inclusive.</summary>
public sealed record DailyRollupQuery(string Scope, DateOnly? From = null, DateOnly? To = null);

/// <summary>Scope names: <c>portfolio</c> or <c>strategy:{id}</c> (strategy ids cannot contain ':').</summary>
public static class RollupScopes
{
    public const string Portfolio = "portfolio";
    private const string StrategyPrefix = "strategy:";

    public static string Strategy(string strategyId) => StrategyPrefix + strategyId;

    public static string For(string? strategyId) => strategyId is null ? Portfolio : Strategy(strategyId);

    public static string? StrategyIdOf(string scope) =>
        scope.StartsWith(StrategyPrefix, StringComparison.Ordinal) ? scope[StrategyPrefix.Length..] : null;
}

/// <summary>UTC day arithmetic of the rollups, pure so it is tested on its own.</summary>
public static class RollupDays
{
    /// <summary>The UTC calendar day <paramref name="time"/> falls in.</summary>
    public static DateOnly DayOf(DateTimeOffset time) => DateOnly.FromDateTime(time.UtcDateTime);

    public static DateTimeOffset StartOf(DateOnly day) => new(day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc));

    /// <summary>The instant the day ends: midnight UTC of the next day (exclusive).</summary>
    public static DateTimeOffset EndOf(DateOnly day) => StartOf(day).AddDays(1);

    /// <summary>
    /// The complete days to write at <paramref name="now"/>, oldest first: every day after
    /// <paramref name="lastWritten"/> (or from <paramref name="firstDay"/> when nothing was written yet) up to
    /// yesterday. At most <paramref name="maxDays"/>: older missed days are skipped (<paramref name="skipped"/>).
    /// </summary>
    public static IReadOnlyList<DateOnly> DaysToWrite(DateOnly? lastWritten, DateOnly firstDay, DateTimeOffset now, int maxDays, out int skipped)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxDays);
        var next = lastWritten is { } last ? last.AddDays(1) : firstDay;
        var today = DayOf(now);
        var count = today.DayNumber - next.DayNumber;
        skipped = 0;
        if (count <= 0) return [];
        if (count > maxDays)
        {
            skipped = count - maxDays;
            next = next.AddDays(skipped);
            count = maxDays;
        }
        var days = new DateOnly[count];
        for (var i = 0; i < count; i++) days[i] = next.AddDays(i);
        return days;
    }

    /// <summary>True when a snapshot of <paramref name="day"/> taken at <paramref name="capturedAt"/> is more than <paramref name="lateAfter"/> past the day's end.</summary>
    public static bool IsLate(DateOnly day, DateTimeOffset capturedAt, TimeSpan lateAfter) => capturedAt - EndOf(day) > lateAfter;
}
