using System.Globalization;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>
/// The embedded API on real Kestrel for the OpenAPI fuzzer alone. Its own instance (and collection) because the fuzzer
/// compares the whole observable state before and after its pass: another test class creating a strategy meanwhile
/// would look like a state change caused by a rejected request.
/// </summary>
public sealed class FuzzApiFactory : EmbeddedApiFactory
{
    /// <summary>The API-wide body limit (<c>Api:MaxRequestBodyBytes</c>, its default), set explicitly so the fuzzer's 413 cases know it.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>
    /// The candle import's own limit, lowered from 256 MB so a body above it is cheap to send, and kept above the
    /// API-wide limit so the fuzzer can show that the import is not held to the 1 MiB of the JSON endpoints.
    /// </summary>
    public const long MaxImportBytes = 2L * 1024 * 1024;

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Api:MaxRequestBodyBytes"] = MaxRequestBodyBytes.ToString(CultureInfo.InvariantCulture),
        ["Candles:MaxImportBytes"] = MaxImportBytes.ToString(CultureInfo.InvariantCulture),
    };
}

[CollectionDefinition(Name)]
public sealed class FuzzCollection : ICollectionFixture<FuzzApiFactory>
{
    public const string Name = "openapi-fuzz";
}
