using Microsoft.Extensions.Options;
using TradingPlatform.Candles;

namespace TradingPlatform.Api.Candles;

/// <summary>
/// Embedded mode starts with data: the bundled SPY daily and one-minute sample bars (Candles/Data, embedded in this
/// assembly) are imported into the in-memory candle store before the API takes requests, and the log says so.
/// Registered only in embedded mode; <c>Candles:LoadSampleData=false</c> turns it off.
/// </summary>
public sealed partial class SampleCandles(ICandleStore store, IOptions<CandleApiOptions> options, ILogger<SampleCandles> logger) : IHostedService
{
    /// <summary>Resource names (LogicalName in the project file) of the sample files, in load order.</summary>
    public static readonly string[] Files = ["spy-1d.csv", "spy-1m-2013-10.csv"];

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.LoadSampleData) return;
        foreach (var file in Files)
        {
            await using var csv = Open(file);
            var result = await store.Import(csv, cancellationToken);
            foreach (var series in result.Series)
                LogLoaded(logger, series.Symbol, series.Timeframe, series.Rows, series.FromUtc, series.ToUtc, file);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>One of <see cref="Files"/> as a stream.</summary>
    public static Stream Open(string file) =>
        typeof(SampleCandles).Assembly.GetManifestResourceStream("candles/" + file)
        ?? throw new InvalidOperationException($"Sample candle file {file} is not embedded in the API assembly.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Embedded mode: loaded sample candles {Symbol} {Timeframe}: {Rows} bars {FromUtc:s}Z … {ToUtc:s}Z from {File} into the in-memory candle store (QuantConnect LEAN sample data, Apache 2.0)")]
    private static partial void LogLoaded(ILogger logger, string symbol, string timeframe, int rows, DateTime fromUtc, DateTime toUtc, string file);
}
