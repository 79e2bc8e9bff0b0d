using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Text.Json;
using System.Text.Json.Serialization;
using Prometheus;
using Serilog;
using Scalar.AspNetCore;
using TradingPlatform.Api.Backtesting;
using TradingPlatform.Api.Candles;
using TradingPlatform.Api.Dashboard;
using TradingPlatform.Api.Identity;
using TradingPlatform.Api.Infrastructure;
using TradingPlatform.Api.Market;
using TradingPlatform.Api.Operations;
using TradingPlatform.Api.Orders;
using TradingPlatform.Api.Portfolio;
using TradingPlatform.Api.Positions;
using TradingPlatform.Api.Risk;
using TradingPlatform.Api.Rollups;
using TradingPlatform.Api.Strategies;
using TradingPlatform.Api.WebSockets;
using TradingPlatform.Api.Workspaces;
using TradingPlatform.Backtesting;
using TradingPlatform.Candles;
using TradingPlatform.Hosting;
using TradingPlatform.Rollups;
using TradingPlatform.Risk.Delivery;

namespace TradingPlatform.Api;

/// <summary>The one composition root of an API node (embedded or cluster client).</summary>
public static class ApiHosting
{
    public static WebApplicationBuilder AddTradingApi(this WebApplicationBuilder builder)
    {
        builder.AddTradingServiceDefaults();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.SectionName).ValidateDataAnnotations().ValidateOnStart();
        var api = builder.Configuration.GetSection(ApiOptions.SectionName).Get<ApiOptions>() ?? new ApiOptions();
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = api.MaxRequestBodyBytes);

        builder.Services.ConfigureHttpJsonOptions(o => ConfigureJson(o.SerializerOptions));
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.AddTradingProblemDetails();
        builder.Services.AddSingleton<AuditTrail>();
        builder.Services.AddCandleStore(builder.Configuration).AddCandleApi(builder.Configuration); // after AddTradingServiceDefaults (database)
        builder.Services.AddTradingWebSockets();
        builder.Services.AddBacktestStore(builder.Configuration);
        builder.Services.AddDailyRollupStore(builder.Configuration);
        builder.Services.AddAlertDeliveryStore(builder.Configuration);
        builder.Services.AddWorkspaceApi(builder.Configuration);
        builder.Services.AddDashboard();
        builder.Services.AddOpenApi(o =>
        {
            o.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "TradingPlatform API";
                document.Info.Version = Platform.Version;
                document.Info.Description = "Orleans-backed trading backend: strategies, orders, fills, positions, backtests. Lists page with ?page=1&per_page=50 (max 500); errors are RFC 7807 problem details.";
                return Task.CompletedTask;
            });
            IdentitySetup.DescribeSecurity(o);
        });

        if (Platform.ModeOf(builder.Configuration) == PlatformMode.Embedded)
            builder.UseOrleans(silo => silo.UseTradingCluster(builder.Configuration));
        else
            builder.UseOrleansClient(client => client.UseTradingClusterClient(builder.Configuration));
        builder.Services.AddHostedService<ModeBanner>();
        builder.AddTradingIdentity(); // after Orleans: its start-up work (bootstrap admin) calls grains
        return builder;
    }

    public static void ConfigureJson(JsonSerializerOptions options)
    {
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.NumberHandling = JsonNumberHandling.Strict;
    }

    public static WebApplication UseTradingApi(this WebApplication app)
    {
        app.UseMiddleware<RequestIdMiddleware>();
        app.UseSerilogRequestLogging(RequestLogging.Configure);
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseDashboard(); // the page at / (static files, before routing: /v1, /health, /docs are never files)
        app.UseTradingWebSockets();
        app.UseRouting();
        app.UseCors(IdentitySetup.CorsPolicy);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimitBudgets();
        app.UseHttpMetrics();

        app.MapOperationalEndpoints();
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        app.MapScalarApiReference("/docs").AllowAnonymous();

        // Every /v1 endpoint needs at least the viewer role unless it says AllowAnonymous; reads draw
        // from the dashboard budget. Stricter roles and other budgets are added per endpoint.
        var v1 = app.MapGroup("/v1").RequireAuthorization(Policies.Viewer).WithDashboardTierForReads();
        v1.MapAuthEndpoints();
        v1.MapUserEndpoints();
        v1.MapStrategyEndpoints();
        v1.MapMarketEndpoints();
        v1.MapOrderEndpoints();
        v1.MapFillEndpoints();
        v1.MapPositionEndpoints();
        v1.MapSummaryEndpoints();
        v1.MapRollupEndpoints();
        v1.MapControlEndpoints();
        v1.MapAlertEndpoints();
        v1.MapSystemEndpoints();
        v1.MapRunEndpoints();
        v1.MapCandleEndpoints();
        v1.MapWorkspaceEndpoints();
        v1.MapWebSocketEndpoint();
        return app;
    }
}
