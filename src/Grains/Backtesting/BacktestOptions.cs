using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Backtesting;

/// <summary>Backtest execution (section <c>Backtests</c>).</summary>
public sealed class BacktestOptions
{
    public const string SectionName = "Backtests";

    /// <summary>Runs executing at once on one silo; the rest wait in the cluster-wide queue.</summary>
    [Range(1, 64)]
    public int MaxConcurrentPerSilo { get; set; } = 2;

    /// <summary>A lease whose worker has not reported for this long is taken back and its run requeued (or failed).</summary>
    [Range(3, 600)]
    public int LeaseTimeoutSeconds { get; set; } = 15;

    /// <summary>How many times a run is started before a lost worker fails it instead of requeueing it.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; set; } = 3;

    /// <summary>How often an idle worker slot asks the queue for work.</summary>
    [Range(20, 10_000)]
    public int PollMilliseconds { get; set; } = 200;

    /// <summary>Candles read from storage and fed to the engine per step (progress and cancel are checked between steps).</summary>
    [Range(1_000, 1_000_000)]
    public int BatchSize { get; set; } = 65_536;
}
