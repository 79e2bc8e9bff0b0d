namespace TradingPlatform.Common;

/// <summary>
/// Stream namespaces of the memory stream provider. Streams are notifications, never the system of
/// record: everything on them is already durable (journal or grain storage) and carries a sequence
/// or version, so consumers ignore what they have seen and rebuild from storage when they activate.
/// </summary>
public static class TradingStreams
{
    /// <summary>One stream per namespace, keyed by this.</summary>
    public const string AllKey = "all";

    /// <summary><see cref="Portfolio.PositionChanged"/>: a fill applied to a position, or a new mark.</summary>
    public const string Pnl = "pnl";

    /// <summary><see cref="Strategies.StrategySnapshot"/> after a status change.</summary>
    public const string Strategies = "strategies";

    /// <summary><see cref="Risk.KillSwitchSnapshot"/> after every change.</summary>
    public const string KillSwitch = "killswitch";

    /// <summary><see cref="Risk.Alert"/> when raised or acknowledged.</summary>
    public const string Alerts = "alerts";

    /// <summary>A backtest run's progress and final status, keyed by run id (not <see cref="AllKey"/>); relayed to the <c>backtest:{runId}</c> WebSocket topic.</summary>
    public const string Backtest = "backtest";

    public static StreamId Id(string streamNamespace) => StreamId.Create(streamNamespace, AllKey);
}
