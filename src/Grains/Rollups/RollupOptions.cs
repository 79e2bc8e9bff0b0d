using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Rollups;

/// <summary>Daily rollups (section <c>Rollups</c>).</summary>
public sealed class RollupOptions
{
    public const string SectionName = "Rollups";

    /// <summary>
    /// How often the rollup grain checks, while active, whether a UTC day has ended and is unwritten (an in-memory
    /// comparison; it only touches storage when a day is due). Bounds how long after midnight a day is written.
    /// </summary>
    [Range(0.05, 3600)]
    public double CheckSeconds { get; set; } = 30;

    /// <summary>
    /// Period of the durable reminder that re-activates the rollup grain after its silo died (Orleans' minimum is
    /// one minute). Each tick also catches up.
    /// </summary>
    [Range(1, 1440)]
    public int ReminderMinutes { get; set; } = 10;

    /// <summary>A snapshot taken more than this long after its day ended is flagged <c>late</c>.</summary>
    [Range(1, 1440)]
    public int LateAfterMinutes { get; set; } = 15;

    /// <summary>At most this many missed days are written in one catch-up; older missed days are skipped (and logged).</summary>
    [Range(1, 3660)]
    public int MaxCatchUpDays { get; set; } = 366;

    /// <summary>
    /// The capital each strategy's equity and returns are measured against (equity = capital + PnL). Unset: the
    /// portfolio's <c>Risk:StartingEquity</c>, so a strategy's daily return is its contribution to the book's return.
    /// </summary>
    [Range(typeof(decimal), "0.01", "79228162514264337593543950335", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public decimal? StrategyCapital { get; set; }
}

/// <summary>
/// The clock the rollups read (a keyed <see cref="TimeProvider"/>; by default the host's). Tests replace only this
/// one to cross midnight, without moving the clock of Orleans, tokens or the trading path.
/// </summary>
public static class RollupClock
{
    public const string Key = "rollups";
}
