using TradingPlatform.Orders;

namespace TradingPlatform.Backtesting;

/// <summary>What a finished backtest produced.</summary>
/// <param name="Metrics">Performance statistics (see <see cref="BacktestMetrics"/>).</param>
/// <param name="EquityCurve">One point per UTC day that had a bar, in time order.</param>
/// <param name="Trades">Every execution (fill), in time order.</param>
/// <param name="Bars">How many bars the engine processed.</param>
public sealed record BacktestResult(BacktestMetrics Metrics, IReadOnlyList<EquityPoint> EquityCurve, IReadOnlyList<BacktestTrade> Trades, long Bars)
{
    /// <summary>The closed round trips (flat to flat; a flip closes one and opens the next), in closing order.
    /// A round trip still open at the end of the data is not among them.</summary>
    public IReadOnlyList<RoundTrip> RoundTrips { get; init; } = [];
}

/// <summary>
/// Equity at the close of the last bar of one UTC day: cash + position × that bar's close.
/// </summary>
/// <param name="TimeUtc">The day, at 00:00 UTC (<see cref="DateTimeKind.Utc"/>).</param>
/// <param name="Equity">Cash plus the position marked at the day's last close.</param>
public readonly record struct EquityPoint(DateTime TimeUtc, decimal Equity);

/// <summary>One execution (fill) of a backtest.</summary>
/// <param name="TimeUtc">Open time of the bar at whose open the order filled.</param>
/// <param name="Side">Buy or sell.</param>
/// <param name="Quantity">Filled quantity (positive).</param>
/// <param name="Price">Fill price: the bar's open moved against the order by the slippage, rounded to 8 places.</param>
/// <param name="Fee">Fee paid on this fill (FeeBps of quantity × price, rounded to 8 places).</param>
/// <param name="RealizedPnl">PnL this fill realized by average cost, before its fee: (price − average) × closed quantity in the
/// position's direction; 0 for a fill that only opens or adds. Net of fees, a fill adds <c>RealizedPnl − Fee</c>.</param>
/// <param name="PositionAfter">Signed position after the fill (long &gt; 0, short &lt; 0).</param>
public sealed record BacktestTrade(DateTime TimeUtc, Side Side, decimal Quantity, decimal Price, decimal Fee, decimal RealizedPnl, decimal PositionAfter);

/// <summary>A position from flat (or a flip) until flat (or the next flip).</summary>
/// <param name="OpenedUtc">Time of the fill that opened it.</param>
/// <param name="ClosedUtc">Time of the fill that closed it.</param>
/// <param name="IsLong">Whether the position was long.</param>
/// <param name="RealizedPnl">Realized PnL of its closing fills, before fees.</param>
/// <param name="Fees">Every fee of its fills: opening, adding and closing ones; a flip's fee is split between the round
/// trip it closes and the one it opens in proportion to the quantity that closes and opens.</param>
public sealed record RoundTrip(DateTime OpenedUtc, DateTime ClosedUtc, bool IsLong, decimal RealizedPnl, decimal Fees)
{
    /// <summary>What the round trip earned: <see cref="RealizedPnl"/> − <see cref="Fees"/>.</summary>
    public decimal Pnl => RealizedPnl - Fees;
}

/// <summary>
/// Performance statistics of a backtest. Ratios follow the conventions of empyrical (Quantopian) over daily simple
/// returns; see <see cref="PerformanceMetrics"/> for each formula. Nullable ones are null when undefined.
/// </summary>
/// <param name="TotalReturn">FinalEquity / InitialCapital − 1.</param>
/// <param name="Cagr">Compound annual growth rate; null without a daily return or when the final equity is negative.</param>
/// <param name="Sharpe">Annualised Sharpe ratio; null with fewer than 2 daily returns or when they do not vary.</param>
/// <param name="Sortino">Annualised Sortino ratio; null with fewer than 2 daily returns or without a negative excess return.</param>
/// <param name="MaxDrawdown">Deepest fall of daily equity from its running peak, as a negative fraction (0 if none).</param>
/// <param name="Volatility">Annualised sample standard deviation of daily returns; null with fewer than 2.</param>
/// <param name="WinRate">Share of closed round trips with a positive PnL; null without a closed round trip.</param>
/// <param name="ProfitFactor">Gross profit / |gross loss| of closed round trips; null without a losing one.</param>
/// <param name="Trades">Executions (fills).</param>
/// <param name="ClosedTrades">Closed round trips.</param>
/// <param name="Exposure">Fraction of bars during which the position was not flat (time in market), 0 to 1.</param>
/// <param name="FinalEquity">Cash + position × the last close.</param>
/// <param name="InitialCapital">The starting cash.</param>
/// <param name="BenchmarkSymbol">The benchmark the run was compared with (null: none asked for; then the three below are null).</param>
/// <param name="Beta">empyrical's beta against the benchmark's daily returns on the days both have; null with fewer than 2 such
/// days or a benchmark that does not move.</param>
/// <param name="Alpha">empyrical's annualised alpha: <c>(mean(r − rf/P − β·(b − rf/P)) + 1)^P − 1</c>; null when beta is.</param>
/// <param name="BenchmarkReturn">The benchmark's close-to-close return over the run's range: last close / first close − 1.</param>
public sealed record BacktestMetrics(
    decimal TotalReturn,
    double? Cagr,
    double? Sharpe,
    double? Sortino,
    double MaxDrawdown,
    double? Volatility,
    double? WinRate,
    double? ProfitFactor,
    int Trades,
    int ClosedTrades,
    double Exposure,
    decimal FinalEquity,
    decimal InitialCapital,
    string? BenchmarkSymbol = null,
    double? Beta = null,
    double? Alpha = null,
    decimal? BenchmarkReturn = null);
