using System.Globalization;

namespace TradingPlatform.Candles;

/// <summary>Writes bars in the import format (<see cref="CandleCsvParser.Header"/>), e.g. for the generator command and tests.</summary>
public static class CandleCsvWriter
{
    public static void WriteHeader(TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Write(CandleCsvParser.Header);
        writer.Write('\n');
    }

    /// <summary>One line, <c>\n</c>-terminated: <c>SYN,1m,2024-01-01T00:00:00Z,100.00,100.12,99.95,100.07,1043</c>.</summary>
    public static void WriteRow(TextWriter writer, string symbol, Timeframe timeframe, in Candle candle)
    {
        ArgumentNullException.ThrowIfNull(writer);
        Span<char> line = stackalloc char[256];
        var n = 0;
        Append(line, ref n, symbol);
        line[n++] = ',';
        Append(line, ref n, timeframe.WireName());
        line[n++] = ',';
        candle.TimeUtc.TryFormat(line[n..], out var written, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        n += written;
        foreach (var value in (ReadOnlySpan<decimal>)[candle.Open, candle.High, candle.Low, candle.Close, candle.Volume])
        {
            line[n++] = ',';
            value.TryFormat(line[n..], out written, default, CultureInfo.InvariantCulture);
            n += written;
        }
        line[n++] = '\n';
        writer.Write(line[..n]);
    }

    public static void Write(TextWriter writer, string symbol, Timeframe timeframe, IEnumerable<Candle> candles, bool header = true)
    {
        ArgumentNullException.ThrowIfNull(candles);
        if (header) WriteHeader(writer);
        foreach (var candle in candles) WriteRow(writer, symbol, timeframe, candle);
    }

    /// <summary>The whole CSV as a string (tests, small files).</summary>
    public static string ToCsv(string symbol, Timeframe timeframe, IEnumerable<Candle> candles, bool header = true)
    {
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        Write(writer, symbol, timeframe, candles, header);
        return writer.ToString();
    }

    private static void Append(Span<char> line, ref int n, string text)
    {
        text.AsSpan(0, Math.Min(text.Length, 64)).CopyTo(line[n..]);
        n += Math.Min(text.Length, 64);
    }
}
