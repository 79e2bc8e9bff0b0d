using Serilog;
using Serilog.AspNetCore;
using Serilog.Events;

namespace TradingPlatform.Api.Infrastructure;

/// <summary>One structured log line per request: method, path, route, status, elapsed, request id.</summary>
public static class RequestLogging
{
    public static void Configure(RequestLoggingOptions options)
    {
        options.MessageTemplate = "HTTP {RequestMethod} {RequestPath} ({Route}) responded {StatusCode} in {Elapsed:0.000} ms";
        options.GetLevel = (context, _, exception) =>
            exception is not null || context.Response.StatusCode >= 500 ? LogEventLevel.Error
            : IsProbe(context.Request.Path) ? LogEventLevel.Verbose
            : LogEventLevel.Information;
        options.EnrichDiagnosticContext = (diagnostics, context) =>
        {
            diagnostics.Set("Route", (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "(none)");
            diagnostics.Set("RequestId", context.TraceIdentifier);
        };
    }

    /// <summary>Health probes and metric scrapes are too frequent to log.</summary>
    private static bool IsProbe(PathString path) =>
        path.StartsWithSegments("/health") || path.StartsWithSegments("/metrics");
}
