using System.ComponentModel.DataAnnotations;

namespace TradingPlatform.Api.Infrastructure;

/// <summary>HTTP limits of an API node (configuration section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    public const string SectionName = "Api";

    /// <summary>Largest request body accepted; larger bodies get 413.</summary>
    [Range(1024, 1024L * 1024 * 1024)]
    public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
}
