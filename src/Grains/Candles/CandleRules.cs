using System.Globalization;
using TradingPlatform.Strategies;

namespace TradingPlatform.Candles;

/// <summary>
/// What makes a bar valid, shared by the CSV parser and <see cref="ICandleStore.Upsert"/> so both stores refuse the same
/// bars for the same reasons. The codes are part of the import response and stay stable.
/// </summary>
public static class CandleRules
{
    public const string WrongColumnCount = "wrong_column_count";
    public const string LineTooLong = "line_too_long";
    public const string BadHeader = "bad_header";
    public const string BadSymbol = "bad_symbol";
    public const string UnknownTimeframe = "unknown_timeframe";
    public const string BadTimestamp = "bad_timestamp";
    public const string UnalignedTimestamp = "unaligned_timestamp";
    public const string BadNumber = "bad_number";
    public const string NotFinite = "not_finite";
    public const string Negative = "negative";
    public const string ZeroPrice = "zero_price";
    public const string HighBelowLow = "high_below_low";
    public const string OpenOutsideRange = "open_outside_range";
    public const string CloseOutsideRange = "close_outside_range";
    public const string Duplicate = "duplicate";

    /// <summary>Symbols as everywhere else in the platform: trimmed and upper case.</summary>
    public static string NormalizeSymbol(string symbol) => StrategyRules.NormalizeSymbol(symbol);

    /// <summary>1-20 characters, A-Z, 0-9, '.', '_' or '-', starting with a letter or digit (after normalizing).</summary>
    public static bool IsValidSymbol(string? symbol) => StrategyRules.IsValidSymbol(symbol);

    public const string SymbolRule = "1-20 characters, A-Z, 0-9, '.', '_' or '-'";

    /// <summary>
    /// The first rule the bar breaks, as (code, message), or null when it is valid: bar start aligned to the
    /// timeframe, prices greater than 0, volume not negative, low ≤ high, open and close within [low, high].
    /// </summary>
    public static (string Code, string Message)? Check(Timeframe timeframe, in Candle candle)
    {
        if (candle.TimeUtc.Kind != DateTimeKind.Utc)
            return (BadTimestamp, "the time must be UTC (DateTimeKind.Utc)");
        if (!timeframe.IsAligned(candle.TimeUtc))
            return (UnalignedTimestamp, Unaligned(timeframe, candle.TimeUtc));
        if ((Price("open", candle.Open) ?? Price("high", candle.High) ?? Price("low", candle.Low) ?? Price("close", candle.Close)) is { } price)
            return price;
        if (candle.Volume < 0)
            return (Negative, $"volume {Text(candle.Volume)} is negative");
        if (candle.High < candle.Low)
            return (HighBelowLow, $"high {Text(candle.High)} is below low {Text(candle.Low)}");
        if (candle.Open < candle.Low || candle.Open > candle.High)
            return (OpenOutsideRange, $"open {Text(candle.Open)} is outside [low {Text(candle.Low)}, high {Text(candle.High)}]");
        if (candle.Close < candle.Low || candle.Close > candle.High)
            return (CloseOutsideRange, $"close {Text(candle.Close)} is outside [low {Text(candle.Low)}, high {Text(candle.High)}]");
        return null;
    }

    public static string Unaligned(Timeframe timeframe, DateTime timeUtc) =>
        $"{Time(timeUtc)} is not the start of a {timeframe.WireName()} bar (bars start at whole multiples of {timeframe.WireName()} since 1970-01-01T00:00:00Z, e.g. {Time(timeframe.Floor(timeUtc))})";

    /// <summary>ISO 8601 UTC with a 'Z', seconds always, fractions only when present.</summary>
    public static string Time(DateTime timeUtc) =>
        timeUtc.ToString(timeUtc.Ticks % TimeSpan.TicksPerSecond == 0 ? "yyyy-MM-dd'T'HH:mm:ss'Z'" : "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

    public static string Text(decimal value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>Throws <see cref="ArgumentException"/> for the first invalid bar or a repeated time (for <see cref="ICandleStore.Upsert"/>).</summary>
    public static List<CandleRow> Rows(string symbol, Timeframe timeframe, IEnumerable<Candle> candles)
    {
        ArgumentNullException.ThrowIfNull(symbol);
        ArgumentNullException.ThrowIfNull(candles);
        var normalized = NormalizeSymbol(symbol);
        if (!IsValidSymbol(normalized)) throw new ArgumentException($"Symbol '{symbol}' is not {SymbolRule}.", nameof(symbol));
        if (!Enum.IsDefined(timeframe)) throw new ArgumentOutOfRangeException(nameof(timeframe), timeframe, "Unknown timeframe.");
        var rows = new List<CandleRow>(candles.TryGetNonEnumeratedCount(out var count) ? count : 0);
        var seen = new HashSet<DateTime>();
        foreach (var candle in candles)
        {
            if (Check(timeframe, candle) is { } error) throw new ArgumentException($"{error.Code}: {error.Message}", nameof(candles));
            if (!seen.Add(candle.TimeUtc)) throw new ArgumentException($"{Duplicate}: {Time(candle.TimeUtc)} appears twice", nameof(candles));
            rows.Add(new CandleRow(normalized, timeframe, candle));
        }
        return rows;
    }

    private static (string, string)? Price(string field, decimal value) =>
        value < 0 ? (Negative, $"{field} {Text(value)} is negative")
        : value == 0 ? (ZeroPrice, $"{field} must be greater than 0")
        : null;
}

/// <summary>A valid bar on its way into a store.</summary>
public readonly record struct CandleRow(string Symbol, Timeframe Timeframe, Candle Candle);
