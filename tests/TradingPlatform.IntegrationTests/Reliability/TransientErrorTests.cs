using Npgsql;
using Orleans.Runtime;
using TradingPlatform.Api.Infrastructure;

namespace TradingPlatform.IntegrationTests.Reliability;

/// <summary>
/// Which exceptions the API answers with a retriable 503 instead of a 500. The chaos run found the case this pins:
/// a grain call whose message expired before placement (a killed silo's grains being placed again) surfaces as an
/// <see cref="OperationCanceledException"/>, which used to be a 500.
/// </summary>
public sealed class TransientErrorTests
{
    public static TheoryData<Exception> Transient => new()
    {
        new OperationCanceledException("Message expired before placement could complete for grain market/X."),
        new TaskCanceledException(),
        new TimeoutException(),
        new SiloUnavailableException(),
        new NpgsqlException("connection refused"),
        new OrleansException("wrapped", new OperationCanceledException()),
        new AggregateException(new TimeoutException()),
    };

    public static TheoryData<Exception> NotTransient => new()
    {
        new InvalidOperationException("a bug"),
        new ArgumentException("a bug"),
        new OrleansException("wrapped", new FormatException("a bug")),
    };

    [Theory]
    [MemberData(nameof(Transient))]
    public void Cluster_and_database_failures_and_expired_calls_are_transient(Exception exception) =>
        Assert.True(ProblemDetailsSetup.ApiExceptionHandler.IsTransient(exception), exception.ToString());

    [Theory]
    [MemberData(nameof(NotTransient))]
    public void Bugs_are_not_transient(Exception exception) =>
        Assert.False(ProblemDetailsSetup.ApiExceptionHandler.IsTransient(exception), exception.ToString());
}
