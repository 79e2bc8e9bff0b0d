using System.Diagnostics.CodeAnalysis;

namespace TradingPlatform.Candles;

/// <summary>The bar sizes the platform stores and serves. Coarser ones are aggregated from finer stored ones.</summary>
[GenerateSerializer, Alias("timeframe")]
public enum Timeframe
{
    OneMinute = 0,
    FiveMinutes = 1,
    FifteenMinutes = 2,
    OneHour = 3,
    FourHours = 4,
    OneDay = 5,
}

/// <summary>Wire names (<c>1m</c>, <c>5m</c>, <c>15m</c>, <c>1h</c>, <c>4h</c>, <c>1d</c>) and lengths of <see cref="Timeframe"/>.</summary>
public static class Timeframes
{
    public static readonly Timeframe[] All =
        [Timeframe.OneMinute, Timeframe.FiveMinutes, Timeframe.FifteenMinutes, Timeframe.OneHour, Timeframe.FourHours, Timeframe.OneDay];

    public static string WireName(this Timeframe timeframe) => timeframe switch
    {
        Timeframe.OneMinute => "1m",
        Timeframe.FiveMinutes => "5m",
        Timeframe.FifteenMinutes => "15m",
        Timeframe.OneHour => "1h",
        Timeframe.FourHours => "4h",
        Timeframe.OneDay => "1d",
        _ => throw new ArgumentOutOfRangeException(nameof(timeframe), timeframe, "Unknown timeframe."),
    };

    public static bool TryParse(string? text, [NotNullWhen(true)] out Timeframe? timeframe)
    {
        timeframe = text switch
        {
            "1m" => Timeframe.OneMinute,
            "5m" => Timeframe.FiveMinutes,
            "15m" => Timeframe.FifteenMinutes,
            "1h" => Timeframe.OneHour,
            "4h" => Timeframe.FourHours,
            "1d" => Timeframe.OneDay,
            _ => null,
        };
        return timeframe is not null;
    }

    /// <summary>How long one bar lasts. Buckets are aligned to the Unix epoch in UTC (a day bar is a UTC day).</summary>
    public static TimeSpan Length(this Timeframe timeframe) => timeframe switch
    {
        Timeframe.OneMinute => TimeSpan.FromMinutes(1),
        Timeframe.FiveMinutes => TimeSpan.FromMinutes(5),
        Timeframe.FifteenMinutes => TimeSpan.FromMinutes(15),
        Timeframe.OneHour => TimeSpan.FromHours(1),
        Timeframe.FourHours => TimeSpan.FromHours(4),
        Timeframe.OneDay => TimeSpan.FromDays(1),
        _ => throw new ArgumentOutOfRangeException(nameof(timeframe), timeframe, "Unknown timeframe."),
    };
}
