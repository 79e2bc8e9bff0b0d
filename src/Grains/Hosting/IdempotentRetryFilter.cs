using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using Orleans.Concurrency;
using Orleans.Runtime.Messaging;
using TradingPlatform.Common;

namespace TradingPlatform.Hosting;

/// <summary>
/// On an API node (the cluster client): sends an idempotent grain call again when the cluster failed it transiently,
/// so a rolling restart or a dead silo fails no read. Idempotent means <see cref="ReadOnlyAttribute">[ReadOnly]</see>
/// or <see cref="IdempotentAttribute">[Idempotent]</see> on the interface method; every other call (orders, fills,
/// the kill switch) is sent once and its failure reaches the client as a 503, which it retries with its own
/// idempotency key, so writes stay exactly once.
/// </summary>
/// <remarks>
/// Transient: the target silo is gone or leaving (<see cref="SiloUnavailableException"/>, a rejected or unforwardable
/// message, a lost gateway connection) or the answer did not come within <c>ResponseTimeout</c>. A retry starts only
/// within <see cref="TradingClusterOptions.IdempotentRetrySeconds"/> of the first attempt, after a pause that doubles
/// from 100 ms (membership needs a moment to declare a dead silo and the directory to forget its activations), so one
/// call answers or fails within <c>IdempotentRetrySeconds + ResponseTimeoutSeconds</c> (and a pause of at most 1 s).
/// </remarks>
public sealed partial class IdempotentRetryFilter(IConfiguration configuration, ILogger<IdempotentRetryFilter> logger) : IOutgoingGrainCallFilter
{
    private static readonly ConcurrentDictionary<MethodInfo, bool> Idempotent = new();
    private readonly TimeSpan _window = TimeSpan.FromSeconds(TradingClusterOptions.From(configuration).IdempotentRetrySeconds);

    public async Task Invoke(IOutgoingGrainCallContext context)
    {
        if (_window <= TimeSpan.Zero || context.InterfaceMethod is not { } method || !Idempotent.GetOrAdd(method, IsIdempotent))
        {
            await context.Invoke();
            return;
        }

        var clock = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            Exception? failure;
            try
            {
                await context.Invoke();
                failure = context.Response?.Exception; // failures usually come back as the response, not thrown
            }
            catch (Exception e) when (IsTransient(e) && clock.Elapsed < _window)
            {
                failure = e;
            }
            if (failure is null || !IsTransient(failure) || clock.Elapsed >= _window) return;

            var (kind, elapsed) = (failure.GetType().Name, clock.Elapsed.TotalMilliseconds);
            LogRetry(logger, context.InterfaceName, context.MethodName, attempt, kind, elapsed);
            await Task.Delay(pause);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    public static bool IsIdempotent(MethodInfo method) =>
        method.IsDefined(typeof(ReadOnlyAttribute), inherit: false) || method.IsDefined(typeof(IdempotentAttribute), inherit: false);

    /// <summary>Failures of the cluster's plumbing that another attempt may get past (not the grain's own errors, not the database).</summary>
    public static bool IsTransient(Exception exception) => exception switch
    {
        TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException or GatewayTooBusyException => true,
        AggregateException { InnerExceptions: [var inner] } => IsTransient(inner),
        _ => false,
    };

    [LoggerMessage(Level = LogLevel.Information, Message = "Idempotent call {Interface}.{Method} failed transiently ({ExceptionType}) on attempt {Attempt} after {ElapsedMs:0} ms; sending it again")]
    private static partial void LogRetry(ILogger logger, string @interface, string method, int attempt, string exceptionType, double elapsedMs);
}
