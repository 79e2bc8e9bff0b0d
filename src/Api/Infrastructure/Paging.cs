using TradingPlatform.Common;

namespace TradingPlatform.Api.Infrastructure;

/// <summary>The contract's <c>?page=1&amp;per_page=50</c> (1-based, per_page at most 500).</summary>
public static class Paging
{
    public static bool TryCreate(int? page, int? perPage, out PageRequest request, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var p = page ?? 1;
        var size = perPage ?? PageRequest.DefaultPerPage;
        if (p < 1) errors["page"] = ["Must be 1 or more."];
        if (size is < 1 or > PageRequest.MaxPerPage) errors["per_page"] = [$"Must be from 1 to {PageRequest.MaxPerPage}."];
        request = new PageRequest(p, size);
        return errors.Count == 0;
    }
}
