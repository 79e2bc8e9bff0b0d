using System.Security.Claims;
using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using TradingPlatform.Orders;

namespace TradingPlatform.Api.Infrastructure;

/// <summary>Writes an audit record for an admin change made through the API, with the state before and after as the API shows it.</summary>
public sealed class AuditTrail(IGrainFactory grains, IOptions<JsonOptions> json)
{
    public Task Record<T>(ClaimsPrincipal user, string action, string target, T? before, T? after) where T : class =>
        grains.GetGrain<IAuditGrain>(0).Record(Wire.Actor(user), action, target,
            before is null ? null : JsonSerializer.Serialize(before, json.Value.SerializerOptions),
            after is null ? null : JsonSerializer.Serialize(after, json.Value.SerializerOptions));
}
