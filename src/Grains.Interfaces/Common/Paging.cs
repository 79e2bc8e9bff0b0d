using System.Text.Json.Serialization;

namespace TradingPlatform.Common;

/// <summary>A page of a list, in the contract's envelope: <c>{"items": [...], "page", "perPage", "total"}</c>.</summary>
[GenerateSerializer, Immutable, Alias("page.v1`1")]
public sealed record Page<T>(
    [property: Id(0)] IReadOnlyList<T> Items,
    [property: Id(1), JsonPropertyName("page")] int PageNumber,
    [property: Id(2)] int PerPage,
    [property: Id(3)] long Total);

/// <summary>1-based page and page size, already validated (see <see cref="PageRequest.MaxPerPage"/>).</summary>
[GenerateSerializer, Immutable, Alias("page-request.v1")]
public readonly record struct PageRequest(
    [property: Id(0)] int Page,
    [property: Id(1)] int PerPage)
{
    public const int DefaultPerPage = 50;
    public const int MaxPerPage = 500;

    public long Skip => (long)(Page - 1) * PerPage;
}
