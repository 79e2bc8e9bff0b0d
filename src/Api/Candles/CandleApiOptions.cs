using System.ComponentModel.DataAnnotations;
using TradingPlatform.Hosting;

namespace TradingPlatform.Api.Candles;

/// <summary>Candle endpoints of an API node (configuration section <c>Candles</c>).</summary>
public sealed class CandleApiOptions
{
    public const string SectionName = "Candles";

    /// <summary>
    /// Largest CSV body <c>POST /v1/candles/import</c> accepts (larger: 413). Its own limit, above the API-wide
    /// <c>Api:MaxRequestBodyBytes</c>: a year of one-minute bars is about 30 MB. The body is streamed, never held whole.
    /// </summary>
    [Range(1024, 16L * 1024 * 1024 * 1024)]
    public long MaxImportBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>Embedded mode only: import the bundled SPY sample bars into the in-memory store at start.</summary>
    public bool LoadSampleData { get; set; } = true;
}

public static class CandleApiSetup
{
    /// <summary>Options of the candle endpoints and, in embedded mode, the sample-data loader.</summary>
    public static IServiceCollection AddCandleApi(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CandleApiOptions>().BindConfiguration(CandleApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        if (Platform.ModeOf(configuration) == PlatformMode.Embedded) services.AddHostedService<SampleCandles>();
        return services;
    }
}
