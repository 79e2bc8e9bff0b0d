using System.Globalization;
using System.Text;
using Prometheus;

namespace TradingPlatform.Benchmarks;

/// <summary>
/// The kill-switch grain's own histogram <c>tradingplatform_kill_switch_engage_seconds</c> (request → every live
/// strategy holding the change: persist + push, before the audit record and the alert), read from this
/// process's Prometheus registry: sum and count per scope.
/// </summary>
public static class EngageHistogram
{
    private const string Name = "tradingplatform_kill_switch_engage_seconds";

    public static async Task<(double SumSeconds, long Count)> Read(string scope)
    {
        using var buffer = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(buffer);
        double sum = 0;
        long count = 0;
        var label = $"{{scope=\"{scope}\"}}";
        foreach (var line in Encoding.UTF8.GetString(buffer.ToArray()).Split('\n'))
        {
            if (line.StartsWith(Name + "_sum" + label, StringComparison.Ordinal))
                sum = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
            else if (line.StartsWith(Name + "_count" + label, StringComparison.Ordinal))
                count = long.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return (sum, count);
    }
}
