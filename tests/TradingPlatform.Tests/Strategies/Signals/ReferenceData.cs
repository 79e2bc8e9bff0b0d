using System.Globalization;

namespace TradingPlatform.Tests.Strategies.Signals;

/// <summary>
/// The market data copied to the test output from <c>Data/</c> (QuantConnect LEAN sample and indicator
/// test data, Apache 2.0; see <c>Data/README.md</c>).
/// </summary>
internal static class ReferenceData
{
    private static readonly Lazy<decimal[]> SpyCloses = new(() =>
        [.. Read("spy-1d.csv").Select(row => Number(row["close"]))]);

    /// <summary>The close of every SPY daily bar, 1998-01-02 … 2021-03-31 (5,849 values).</summary>
    public static IReadOnlyList<decimal> SpyDailyCloses => SpyCloses.Value;

    /// <summary>The rows of a CSV file in <c>Data/</c> (plain comma-separated, no quoting), by header name.</summary>
    public static List<Dictionary<string, string>> Read(string file)
    {
        var lines = File.ReadAllLines(Path.Combine(AppContext.BaseDirectory, "Data", file));
        var header = lines[0].Split(',');
        var rows = new List<Dictionary<string, string>>(lines.Length - 1);
        foreach (var line in lines.Skip(1))
        {
            if (line.Length == 0) continue;
            var cells = line.Split(',');
            Assert.Equal(header.Length, cells.Length);
            var row = new Dictionary<string, string>(header.Length, StringComparer.Ordinal);
            for (var i = 0; i < header.Length; i++) row[header[i]] = cells[i];
            rows.Add(row);
        }
        return rows;
    }

    public static decimal Number(string text) => decimal.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>The cell as a number, or null when it is empty (no reference value on that row).</summary>
    public static decimal? OptionalNumber(string text) => text.Length == 0 ? null : Number(text);
}
