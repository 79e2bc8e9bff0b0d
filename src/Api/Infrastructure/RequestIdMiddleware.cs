using Serilog.Context;

namespace TradingPlatform.Api.Infrastructure;

/// <summary>
/// Every response carries <c>X-Request-Id</c>: the client's own when it sent a sane one (at most 128
/// visible ASCII characters), otherwise a new one. The id is on every log line of the request.
/// </summary>
public sealed class RequestIdMiddleware(RequestDelegate next)
{
    public const string HeaderName = "X-Request-Id";

    /// <remarks>
    /// Not async, so nothing of this middleware stays alive while the request runs (a WebSocket upgrade runs for
    /// the socket's lifetime; an async frame here held ≈ 120 bytes per idle connection, plus its log-context
    /// bookmark). The property pushed before <c>next</c> starts is captured by every continuation of the request,
    /// exactly as with a <c>using</c> around an <c>await</c>; disposing it when <c>next</c> returns its task only
    /// restores this synchronous caller's log context.
    /// </remarks>
    public Task InvokeAsync(HttpContext context)
    {
        var incoming = context.Request.Headers[HeaderName].ToString();
        var requestId = IsAcceptable(incoming) ? incoming : Guid.CreateVersion7().ToString("N");
        context.TraceIdentifier = requestId;
        // Set when the response starts, not now: the exception handler clears every header before it writes its
        // problem details (malformed JSON, 413, 415, 503), and those answers need the id most.
        context.Response.OnStarting(() =>
        {
            context.Response.Headers[HeaderName] = requestId;
            return Task.CompletedTask;
        });
        using (LogContext.PushProperty("RequestId", requestId))
        {
            return next(context);
        }
    }

    private static bool IsAcceptable(string value) =>
        value.Length is > 0 and <= 128 && value.All(c => c is > ' ' and <= '~');
}
