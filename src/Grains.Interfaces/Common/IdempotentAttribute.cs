namespace TradingPlatform.Common;

/// <summary>
/// A grain method that may be sent twice without harm, although it is not <see cref="Orleans.Concurrency.ReadOnlyAttribute"/>:
/// API nodes retry it (like every read-only method) when the cluster fails it transiently, e.g. while the silo that
/// hosted the grain shuts down or dies. Say in the method's documentation what a second delivery does.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class IdempotentAttribute : Attribute;
