namespace TradingPlatform.Candles;

/// <summary>
/// One OHLCV bar. <see cref="TimeUtc"/> is the bar's open time (UTC, <see cref="DateTimeKind.Utc"/>); the bar
/// covers [TimeUtc, TimeUtc + timeframe). Prices and volume are decimals, as everything that accounts for money.
/// A plain struct so a backtest can stream millions of them through spans without allocating.
/// </summary>
public readonly record struct Candle(DateTime TimeUtc, decimal Open, decimal High, decimal Low, decimal Close, decimal Volume);
