namespace TradingPlatform.Rollups;

/// <summary>
/// The cluster's daily rollup writer (one activation, key <see cref="Key"/>). It keeps itself alive with a
/// grain timer and a reminder, and on each tick writes every complete UTC day not yet written: the day that
/// just ended, and after an outage every day missed meanwhile (catch-up).
/// </summary>
[Alias("daily-rollup")]
public interface IDailyRollupGrain : IGrainWithStringKey
{
    public const string Key = "all";

    /// <summary>Writes the complete UTC days not yet written (idempotent); returns how many days it wrote.</summary>
    [Alias("catch-up")]
    Task<int> CatchUp();
}
