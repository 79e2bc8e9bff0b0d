using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace TradingPlatform.Candles;

/// <summary>
/// Streams a candle CSV (<c>symbol,timeframe,timestamp,open,high,low,close,volume</c>, UTF-8) into valid rows and
/// rejections, one buffer at a time: a 256 MB upload never sits in memory as a string, and a store can write the rows
/// of one buffer while the next arrives. One instance per import (it remembers what it has seen).
/// </summary>
/// <remarks>
/// Format: a header line is optional (when the first line with content is the header, case and spaces around
/// fields ignored, it is skipped); blank lines are skipped; <c>\n</c> or <c>\r\n</c> line ends; a UTF-8 byte order mark
/// is ignored; fields are not quoted. Timestamps are ISO 8601 with <c>Z</c> or an offset (converted to UTC), or a
/// bare date (<c>2024-01-31</c>, midnight UTC); a time without an offset is refused rather than guessed. Numbers use
/// '.' as the decimal point (an exponent is allowed). Each rejected line is reported once, for the first rule it breaks,
/// in this order: line length, field count, symbol, timeframe, timestamp, alignment, numbers, prices &gt; 0 and volume
/// ≥ 0, high ≥ low, open and close within [low, high], and last a repeat of an earlier line's (symbol, timeframe,
/// time), which keeps the earlier line.
/// </remarks>
public sealed class CandleCsvParser
{
    public const string Header = "symbol,timeframe,timestamp,open,high,low,close,volume";

    /// <summary>Longer lines are rejected without being parsed (a body without line breaks costs no memory).</summary>
    public const int MaxLineBytes = 1024;

    /// <summary>Rejections described in the result; the rest are only counted.</summary>
    public const int MaxReportedErrors = 100;

    private const int BufferSize = 64 * 1024;
    private const int FieldCount = 8;
    private const NumberStyles NumberStyle = NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent;
    private static readonly string[] HeaderFields = Header.Split(',');

    private readonly List<CandleImportError> _errors = [];
    private readonly Dictionary<(string Symbol, Timeframe Timeframe), Series> _series = [];
    private readonly Dictionary<string, string> _symbols = new(StringComparer.Ordinal);
    private Series? _lastSeries;
    private byte[]? _lastSymbolRaw;
    private string? _lastSymbol;
    private long _line;
    private bool _sawContent;
    private bool _sawHeader;
    private bool _firstContentLine = true;
    private bool _sawRowShape;

    /// <summary>Rows that passed every rule so far.</summary>
    public int Valid { get; private set; }

    /// <summary>Lines rejected so far.</summary>
    public int Rejected { get; private set; }

    /// <summary>
    /// Why the body is not a candle CSV at all, or null when at least one line had the eight fields of a row
    /// (then the file counts as read, even if every row was rejected). Meaningful once reading has finished.
    /// </summary>
    public string? Unreadable =>
        _sawRowShape ? null
        : !_sawContent ? "The body is empty."
        : _sawHeader && Rejected == 0 ? "The file has a header line but no rows."
        : $"No line has the 8 comma-separated fields {Header}: this is not a candle CSV.";

    /// <summary>
    /// The valid rows, in file order, one list per buffer read. The list is reused: it is valid until the enumerator
    /// moves on (a store writes or copies the rows before it asks for more), which keeps a 1M-row import from
    /// allocating a large-object-heap list per buffer.
    /// </summary>
    public async IAsyncEnumerable<List<CandleRow>> ReadAsync(Stream csv, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(csv);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        var rows = new List<CandleRow>(1024);
        try
        {
            var start = 0;
            var end = 0;
            var eof = false;
            var skipping = false;
            var bomChecked = false;
            while (!eof)
            {
                if (start > 0)
                {
                    Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
                    end -= start;
                    start = 0;
                }
                var read = await csv.ReadAsync(buffer.AsMemory(end, buffer.Length - end), cancellationToken);
                if (read == 0) eof = true;
                else end += read;
                if (!bomChecked && (end >= 3 || eof))
                {
                    bomChecked = true;
                    if (buffer.AsSpan(0, end).StartsWith("\uFEFF"u8)) start = 3;
                }
                if (!bomChecked) continue;

                rows.Clear();
                start += Consume(buffer.AsSpan(start, end - start), eof, ref skipping, rows);
                if (rows.Count > 0) yield return rows;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>What an import wrote (<paramref name="imported"/>: the rows the store committed) and what it refused.</summary>
    public CandleImportResult Result(int imported) => new(
        imported,
        Rejected,
        [.. _errors],
        imported == 0 ? [] : [.. _series.Values.Where(s => s.Rows > 0)
            .OrderBy(s => s.Symbol, StringComparer.Ordinal).ThenBy(s => s.Timeframe)
            .Select(s => new CandleSeriesImport(s.Symbol, s.Timeframe.WireName(), s.Rows, s.FirstUtc, s.LastUtc))]);

    /// <summary>Parses every complete line of <paramref name="data"/> (and the last, unterminated one at the end); returns the bytes used.</summary>
    private int Consume(ReadOnlySpan<byte> data, bool eof, ref bool skipping, List<CandleRow> rows)
    {
        var used = 0;
        while (true)
        {
            var rest = data[used..];
            var newline = rest.IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (skipping) return data.Length; // still inside a line already rejected as too long: drop it
                if (rest.Length > MaxLineBytes)
                {
                    _line++;
                    _sawContent = true;
                    Reject(CandleRules.LineTooLong, $"longer than {MaxLineBytes} bytes");
                    skipping = true;
                    return data.Length;
                }
                if (eof && rest.Length > 0)
                {
                    _line++;
                    Line(rest, rows);
                    return data.Length;
                }
                return used;
            }
            if (skipping) skipping = false; // the end of the long line, counted when it was rejected
            else
            {
                _line++;
                Line(rest[..newline], rows);
            }
            used += newline + 1;
        }
    }

    private void Line(ReadOnlySpan<byte> line, List<CandleRow> rows)
    {
        if (line.Length > 0 && line[^1] == (byte)'\r') line = line[..^1];
        if (line.Trim(" \t"u8).IsEmpty) return;
        _sawContent = true;
        if (line.Length > MaxLineBytes)
        {
            Reject(CandleRules.LineTooLong, $"longer than {MaxLineBytes} bytes");
            return;
        }
        if (_firstContentLine)
        {
            _firstContentLine = false;
            if (IsHeader(line, out var looksLikeHeader))
            {
                _sawHeader = true;
                return;
            }
            if (looksLikeHeader)
            {
                Reject(CandleRules.BadHeader, $"a header must be exactly {Header}");
                return;
            }
        }

        var commas = line.Count((byte)',');
        if (commas != FieldCount - 1)
        {
            Reject(CandleRules.WrongColumnCount, $"expected {FieldCount} comma-separated fields ({Header}), found {commas + 1}");
            return;
        }
        _sawRowShape = true;

        Span<Range> ranges = stackalloc Range[FieldCount];
        for (int i = 0, from = 0; i < FieldCount; i++)
        {
            var comma = i < FieldCount - 1 ? from + line[from..].IndexOf((byte)',') : line.Length;
            ranges[i] = new Range(from, comma);
            from = comma + 1;
        }
        var symbolField = Field(line, ranges[0]);
        var symbol = Symbol(symbolField);
        if (symbol is null)
        {
            Reject(CandleRules.BadSymbol, $"symbol '{Show(symbolField)}' is not {CandleRules.SymbolRule}");
            return;
        }
        var timeframeField = Field(line, ranges[1]);
        if (ParseTimeframe(timeframeField) is not { } timeframe)
        {
            Reject(CandleRules.UnknownTimeframe, $"timeframe '{Show(timeframeField)}' is not one of {Timeframes.AllWireNames}");
            return;
        }
        var timeField = Field(line, ranges[2]);
        if (ParseTime(timeField) is not { } time)
        {
            Reject(CandleRules.BadTimestamp, $"timestamp '{Show(timeField)}' is not an ISO 8601 time with Z or an offset, e.g. 2024-01-31T14:30:00Z");
            return;
        }
        if (!Number(line, ranges[3], "open", out var open) || !Number(line, ranges[4], "high", out var high)
            || !Number(line, ranges[5], "low", out var low) || !Number(line, ranges[6], "close", out var close)
            || !Number(line, ranges[7], "volume", out var volume))
        {
            return;
        }

        var candle = new Candle(time, open, high, low, close, volume);
        if (CandleRules.Check(timeframe, candle) is { } broken)
        {
            Reject(broken.Code, broken.Message);
            return;
        }
        var series = SeriesOf(symbol, timeframe);
        if (!series.TryAdd(time))
        {
            Reject(CandleRules.Duplicate, $"{symbol} {timeframe.WireName()} {CandleRules.Time(time)} appears earlier in the file (the earlier line is kept)");
            return;
        }
        Valid++;
        rows.Add(new CandleRow(symbol, timeframe, candle));
    }

    private void Reject(string code, string reason)
    {
        Rejected++;
        if (_errors.Count < MaxReportedErrors) _errors.Add(new CandleImportError(_line, code, reason));
    }

    private static bool IsHeader(ReadOnlySpan<byte> line, out bool looksLikeHeader)
    {
        var fields = Encoding.UTF8.GetString(line).Split(',').Select(f => f.Trim()).ToArray();
        looksLikeHeader = fields.Length > 0 && fields[0].Equals(HeaderFields[0], StringComparison.OrdinalIgnoreCase);
        return fields.SequenceEqual(HeaderFields, StringComparer.OrdinalIgnoreCase);
    }

    private static ReadOnlySpan<byte> Field(ReadOnlySpan<byte> line, Range range) => line[range].Trim(" \t"u8);

    /// <summary>The normalized, interned symbol, or null when invalid. Files hold few symbols: the last one is reused without decoding.</summary>
    private string? Symbol(ReadOnlySpan<byte> raw)
    {
        if (_lastSymbolRaw is not null && raw.SequenceEqual(_lastSymbolRaw)) return _lastSymbol;
        if (raw.IsEmpty || raw.Length > 64) return null;
        var normalized = CandleRules.NormalizeSymbol(Encoding.UTF8.GetString(raw));
        if (!CandleRules.IsValidSymbol(normalized)) return null;
        if (!_symbols.TryGetValue(normalized, out var interned)) _symbols[normalized] = interned = normalized;
        _lastSymbolRaw = raw.ToArray();
        _lastSymbol = interned;
        return interned;
    }

    private static Timeframe? ParseTimeframe(ReadOnlySpan<byte> raw) =>
        raw.SequenceEqual("1m"u8) ? Timeframe.OneMinute
        : raw.SequenceEqual("5m"u8) ? Timeframe.FiveMinutes
        : raw.SequenceEqual("15m"u8) ? Timeframe.FifteenMinutes
        : raw.SequenceEqual("1h"u8) ? Timeframe.OneHour
        : raw.SequenceEqual("4h"u8) ? Timeframe.FourHours
        : raw.SequenceEqual("1d"u8) ? Timeframe.OneDay
        : null;

    /// <summary>
    /// <c>yyyy-MM-ddTHH:mm:ssZ</c> (what exports and our generator write) without allocating; anything else through
    /// <see cref="DateTimeOffset.TryParse(string, IFormatProvider, DateTimeStyles, out DateTimeOffset)"/>, which must find
    /// an explicit offset, or a bare date.
    /// </summary>
    public static DateTime? ParseTime(ReadOnlySpan<byte> raw)
    {
        if (raw.Length == 20 && raw[4] == '-' && raw[7] == '-' && raw[10] == 'T' && raw[13] == ':' && raw[16] == ':' && raw[19] == 'Z'
            && Digits(raw[..4], out var year) && Digits(raw.Slice(5, 2), out var month) && Digits(raw.Slice(8, 2), out var day)
            && Digits(raw.Slice(11, 2), out var hour) && Digits(raw.Slice(14, 2), out var minute) && Digits(raw.Slice(17, 2), out var second))
        {
            if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
                return null;
            return new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc);
        }
        if (raw.IsEmpty || raw.Length > 40 || !Ascii.IsValid(raw)) return null;
        var text = Encoding.ASCII.GetString(raw);
        if (text.Length == 10 && DateTime.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var date))
            return DateTime.SpecifyKind(date, DateTimeKind.Utc);
        var separator = text.IndexOfAny(['T', 't', ' ']);
        if (separator < 0) return null;
        var timePart = text.AsSpan(separator + 1);
        var hasOffset = timePart.EndsWith("Z", StringComparison.OrdinalIgnoreCase) || timePart.IndexOfAny('+', '-') >= 0;
        if (!hasOffset) return null;
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var parsed) ? parsed.UtcDateTime : null;
    }

    private static bool Digits(ReadOnlySpan<byte> raw, out int value)
    {
        value = 0;
        foreach (var b in raw)
        {
            if (b is < (byte)'0' or > (byte)'9') return false;
            value = value * 10 + (b - '0');
        }
        return true;
    }

    private bool Number(ReadOnlySpan<byte> line, Range range, string field, out decimal value)
    {
        var raw = Field(line, range);
        if (TryParsePlainDecimal(raw, out value) || decimal.TryParse(raw, NumberStyle, CultureInfo.InvariantCulture, out value)) return true;
        if (raw.IsEmpty) Reject(CandleRules.BadNumber, $"{field} is empty");
        else if (IsNonFinite(raw)) Reject(CandleRules.NotFinite, $"{field} '{Show(raw)}' is not a finite number");
        else Reject(CandleRules.BadNumber, $"{field} '{Show(raw)}' is not a number");
        return false;
    }

    /// <summary>
    /// The usual form of a price or volume, <c>[-+]digits[.digits]</c> with at most 18 digits, without the general
    /// parser: the digits become the mantissa and the digits after the point the scale, exactly what
    /// <see cref="decimal.TryParse(ReadOnlySpan{byte}, NumberStyles, IFormatProvider?, out decimal)"/> gives (scale kept,
    /// so <c>167.4100</c> stays <c>167.4100</c>). Anything else (an exponent, more digits, junk) returns false and goes to
    /// the general parser. Parsing numbers was most of the cost of reading a CSV.
    /// </summary>
    public static bool TryParsePlainDecimal(ReadOnlySpan<byte> raw, out decimal value)
    {
        value = 0;
        var i = 0;
        var negative = false;
        if (raw.Length > 0 && raw[0] is (byte)'-' or (byte)'+')
        {
            negative = raw[0] == '-';
            i = 1;
        }
        ulong mantissa = 0;
        var digits = 0;
        var scale = 0;
        var point = false;
        for (; i < raw.Length; i++)
        {
            var b = raw[i];
            if (b == '.')
            {
                if (point) return false;
                point = true;
                continue;
            }
            var digit = (uint)(b - '0');
            if (digit > 9 || ++digits > 18) return false;
            mantissa = mantissa * 10 + digit;
            if (point) scale++;
        }
        if (digits == 0) return false;
        value = new decimal((int)(uint)mantissa, (int)(uint)(mantissa >> 32), 0, negative, (byte)scale);
        return true;
    }

    private static bool IsNonFinite(ReadOnlySpan<byte> raw)
    {
        if (raw.Length > 0 && raw[0] is (byte)'+' or (byte)'-') raw = raw[1..];
        return Ascii.EqualsIgnoreCase(raw, "nan"u8) || Ascii.EqualsIgnoreCase(raw, "inf"u8) || Ascii.EqualsIgnoreCase(raw, "infinity"u8)
            || raw.SequenceEqual("∞"u8);
    }

    /// <summary>A field as text for a message: at most 40 characters.</summary>
    private static string Show(ReadOnlySpan<byte> raw)
    {
        var text = Encoding.UTF8.GetString(raw[..Math.Min(raw.Length, 160)]);
        return text.Length <= 40 ? text : text[..40] + "…";
    }

    private Series SeriesOf(string symbol, Timeframe timeframe)
    {
        if (_lastSeries is { } last && ReferenceEquals(last.Symbol, symbol) && last.Timeframe == timeframe) return last;
        if (!_series.TryGetValue((symbol, timeframe), out var series)) _series[(symbol, timeframe)] = series = new Series(symbol, timeframe);
        _lastSeries = series;
        return series;
    }

    /// <summary>
    /// The times one series has had. Files are nearly always in time order: then a later time is new without a lookup,
    /// and only the times are kept (8 bytes a row); the first time out of order turns them into a hash set.
    /// </summary>
    private sealed class Series(string symbol, Timeframe timeframe)
    {
        private List<long>? _ascending = [];
        private HashSet<long>? _set;
        private long _max = long.MinValue;

        public string Symbol { get; } = symbol;
        public Timeframe Timeframe { get; } = timeframe;
        public int Rows { get; private set; }
        public DateTime FirstUtc { get; private set; } = DateTime.MaxValue;
        public DateTime LastUtc { get; private set; } = DateTime.MinValue;

        public bool TryAdd(DateTime timeUtc)
        {
            var ticks = timeUtc.Ticks;
            if (_set is null)
            {
                if (ticks > _max) _ascending!.Add(ticks);
                else
                {
                    _set = [.. _ascending!];
                    _ascending = null;
                }
            }
            if (_set is not null && !_set.Add(ticks)) return false;
            _max = Math.Max(_max, ticks);
            Rows++;
            if (timeUtc < FirstUtc) FirstUtc = timeUtc;
            if (timeUtc > LastUtc) LastUtc = timeUtc;
            return true;
        }
    }
}
