using System.Globalization;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;
using TradingPlatform.Api.Identity;

namespace TradingPlatform.Api.WebSockets;

/// <summary>
/// <c>/v1/ws</c>: the upgrade is authenticated and admitted like any /v1 request (bearer header, or
/// <c>?access_token=</c> for browsers) before it is accepted, so a bad token is a 401 problem, never a socket.
/// </summary>
public static class WebSocketEndpoint
{
    public const string Path = "/v1/ws";
    public const string QueryTokenName = "access_token";

    public static RouteGroupBuilder MapWebSocketEndpoint(this RouteGroupBuilder v1)
    {
        v1.Map("/ws", Accept).WithName("WebSocket").WithTags("WebSocket").ExcludeFromDescription();
        return v1;
    }

    public static IServiceCollection AddTradingWebSockets(this IServiceCollection services)
    {
        services.AddOptions<WebSocketGatewayOptions>().BindConfiguration(WebSocketGatewayOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(TopicAccess.ValidOverrides, "WebSockets:TopicRoles keys must be topic families (fills, pnl, positions, strategies, killswitch, alerts, system, backtest) and values viewer, trader or admin.")
            .Validate(o => o.KeepAliveTimeoutSeconds >= o.KeepAliveSeconds, "WebSockets:KeepAliveTimeoutSeconds must be at least WebSockets:KeepAliveSeconds.")
            .ValidateOnStart();
        services.AddSingleton(sp => new TopicAccess(sp.GetRequiredService<IOptions<WebSocketGatewayOptions>>().Value));
        services.AddSingleton<TopicGateway>();
        services.AddHostedService(sp => sp.GetRequiredService<TopicGateway>());
        return services;
    }

    public static IApplicationBuilder UseTradingWebSockets(this IApplicationBuilder app)
    {
        var options = app.ApplicationServices.GetRequiredService<IOptions<WebSocketGatewayOptions>>().Value;
        if (options.SendBatchBytes > 0)
        {
            // Before UseWebSockets, which builds the WebSocket on the stream this feature upgrades to.
            app.Use((context, next) =>
            {
                if (context.Request.Path.Equals(Path, StringComparison.Ordinal)
                    && context.Features.Get<IHttpUpgradeFeature>() is { IsUpgradableRequest: true } upgrade)
                    context.Features.Set<IHttpUpgradeFeature>(new BatchingUpgradeFeature(upgrade, options.SendBatchBytes));
                return next(context);
            });
        }
        return app.UseWebSockets(new WebSocketOptions
        {
            KeepAliveInterval = TimeSpan.FromSeconds(options.KeepAliveSeconds),
            KeepAliveTimeout = TimeSpan.FromSeconds(options.KeepAliveTimeoutSeconds),
        });
    }

    /// <summary>Browsers cannot set headers on a WebSocket: on <c>/v1/ws</c> only, the token may come as <c>?access_token=</c>.</summary>
    public static Task TokenFromQuery(MessageReceivedContext context)
    {
        var request = context.Request;
        if (string.IsNullOrEmpty(context.Token) && !request.Headers.ContainsKey(HeaderNames.Authorization)
            && request.Path.Equals(Path, StringComparison.Ordinal) && request.Query.TryGetValue(QueryTokenName, out var token))
        {
            context.Token = token.ToString();
        }
        return Task.CompletedTask;
    }

    /// <remarks>
    /// Returns a plain <see cref="Task"/> (the refusals execute their problem result themselves): a handler returning
    /// <c>Task&lt;IResult&gt;</c> gets an async wrapper from the request delegate factory that would stay alive with
    /// the socket (≈ 120 bytes per idle connection). The endpoint is excluded from the OpenAPI document anyway.
    /// </remarks>
    private static Task Accept(HttpContext context, TopicGateway gateway, TopicAccess access, IGrainFactory grains, ILogger<WebSocketConnection> logger)
    {
        if (!context.WebSockets.IsWebSocketRequest)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "WebSocket upgrade required",
                detail: "GET /v1/ws with a WebSocket upgrade (Connection: Upgrade, Upgrade: websocket).").ExecuteAsync(context);
        var identity = Identify(context);
        if (identity is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: "The token lacks required claims.").ExecuteAsync(context);
        if (!gateway.TryAdmitUser(identity.UserId))
            return TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many WebSocket connections",
                detail: $"This user already has {gateway.Options.MaxConnectionsPerUser} open WebSocket connections on this node (WebSockets:MaxConnectionsPerUser).").ExecuteAsync(context);
        return Serve(context, identity, gateway, access, grains, logger);
    }

    /// <summary>Accepts the admitted upgrade and runs the connection until it ends.</summary>
    private static async Task Serve(HttpContext context, ConnectionIdentity identity, TopicGateway gateway, TopicAccess access, IGrainFactory grains, ILogger logger)
    {
        WebSocketConnection connection;
        try
        {
            var socket = await context.WebSockets.AcceptWebSocketAsync();
            var batch = (context.Features.Get<IHttpUpgradeFeature>() as BatchingUpgradeFeature)?.Stream;
            connection = new WebSocketConnection(socket, identity, gateway, access, grains, logger, batch);
            ForgetToken(context);
        }
        catch
        {
            gateway.ReleaseUser(identity.UserId);
            throw;
        }
        gateway.Add(connection);
        await connection.Run(context.RequestAborted);
    }

    /// <summary>
    /// The upgrade request lives as long as the socket, hours for a dashboard, and nothing reads its token again:
    /// the connection keeps its own <see cref="ConnectionIdentity"/> and re-admits the token id with the user grain.
    /// Dropping the header's value keeps ≈ 0.8 KB per idle connection off the heap (and the token out of it).
    /// Clearing the headers would only hide the value (Kestrel keeps it to reuse the string for the connection's
    /// next request: seen in an earlier heap diff); assigning an empty value through the typed property drops it.
    /// A browser's <c>?access_token=</c> loses its parsed copy (≈ 1 KB with its collection); the request target and
    /// query string that Kestrel parsed stay (it keeps them in fields of its own for the connection's next request),
    /// ≈ 1.7 KB more per browser connection than per header-authenticated one, measured the same way.
    /// </summary>
    private static void ForgetToken(HttpContext context)
    {
        var request = context.Request;
        request.Headers.Authorization = StringValues.Empty;
        if (!request.QueryString.HasValue) return; // not request.Query first: parsing it would add a feature object to keep
        request.Query = QueryCollection.Empty; // the query TokenFromQuery parsed (nothing else reads a /v1/ws query)
    }

    private static ConnectionIdentity? Identify(HttpContext context)
    {
        var principal = context.User;
        var userId = TokenService.Claim(principal, TokenClaims.Subject);
        var tokenId = TokenService.Claim(principal, TokenClaims.TokenId);
        var familyId = TokenService.Claim(principal, TokenClaims.FamilyId);
        if (userId is null || tokenId is null || familyId is null
            || !Policies.TryParseRole(TokenService.Claim(principal, TokenClaims.Role), out var role)
            || !int.TryParse(TokenService.Claim(principal, TokenClaims.TokenVersion), NumberStyles.None, CultureInfo.InvariantCulture, out var version)
            || !long.TryParse(TokenService.Claim(principal, TokenClaims.Expires), NumberStyles.None, CultureInfo.InvariantCulture, out var expires))
            return null;
        return new ConnectionIdentity(userId, role, tokenId, familyId, version, DateTimeOffset.FromUnixTimeSeconds(expires));
    }
}
