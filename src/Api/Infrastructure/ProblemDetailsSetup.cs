using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using Npgsql;
using Orleans.Runtime.Messaging;

namespace TradingPlatform.Api.Infrastructure;

/// <summary>
/// Every error leaves as RFC 7807 problem details through one mechanism: this handler for
/// exceptions, <c>UseStatusCodePages</c> for empty error responses, <c>TypedResults.Problem</c> in
/// endpoints; all carry <c>traceId</c> and <c>requestId</c>. No stack traces, never 500 for bad input.
/// </summary>
public static partial class ProblemDetailsSetup
{
    public static IServiceCollection AddTradingProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(o => o.CustomizeProblemDetails = context =>
        {
            context.ProblemDetails.Extensions["traceId"] = Activity.Current?.TraceId.ToString() ?? context.HttpContext.TraceIdentifier;
            context.ProblemDetails.Extensions["requestId"] = context.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<ApiExceptionHandler>();
        return services;
    }

    public sealed partial class ApiExceptionHandler(IProblemDetailsService problems, ILogger<ApiExceptionHandler> logger) : IExceptionHandler
    {
        public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
        {
            var problem = exception switch
            {
                BadHttpRequestException bad => FromBadRequest(bad),
                JsonException json => FromJson(json),
                _ when IsTransient(exception) => Unavailable(httpContext, exception),
                _ => Unexpected(exception),
            };
            httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
            return await problems.TryWriteAsync(new ProblemDetailsContext
            {
                HttpContext = httpContext,
                ProblemDetails = problem,
                Exception = exception,
            });
        }

        private static ProblemDetails FromBadRequest(BadHttpRequestException exception)
        {
            if (exception.InnerException is JsonException json) return FromJson(json);
            return new ProblemDetails
            {
                Status = exception.StatusCode,
                Title = exception.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "Request body too large",
                    StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
                    _ => "Bad request",
                },
                Detail = exception.StatusCode == StatusCodes.Status415UnsupportedMediaType
                    ? "Send the body as application/json."
                    : exception.Message,
            };
        }

        /// <summary>Malformed JSON, an unknown field or a value of the wrong type: a 400 naming the field.</summary>
        private static HttpValidationProblemDetails FromJson(JsonException exception)
        {
            var field = string.IsNullOrEmpty(exception.Path) || exception.Path == "$" ? "$"
                : exception.Path.StartsWith("$.", StringComparison.Ordinal) ? exception.Path[2..] : exception.Path.TrimStart('$');
            var error = UnmappedProperty().IsMatch(exception.Message) ? "Unknown field."
                : exception.Message.StartsWith("The JSON value could not be converted", StringComparison.Ordinal) ? "Wrong type, or a number out of range."
                : "Malformed JSON.";
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [error] })
            {
                Status = StatusCodes.Status400BadRequest,
                Title = "The request body is not valid",
                Detail = $"{field}: {error}",
            };
        }

        private ProblemDetails Unavailable(HttpContext context, Exception exception)
        {
            LogUnavailable(logger, exception.GetType().Name, exception);
            context.Response.Headers.RetryAfter = "1";
            return new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Service temporarily unavailable",
                Detail = "The cluster or its database did not answer in time. The request can be retried.",
            };
        }

        private ProblemDetails Unexpected(Exception exception)
        {
            LogUnexpected(logger, exception);
            return new ProblemDetails
            {
                Status = StatusCodes.Status500InternalServerError,
                Title = "Unexpected error",
                Detail = "The error was logged with this request's id.",
            };
        }

        /// <summary>
        /// Failures of the cluster or the database that a retry may get past. A cancellation reaching here is one too:
        /// Orleans cancels a call whose message expired before it was placed (e.g. while a killed silo's grains are
        /// being placed again), and a request the client itself aborted never reaches an exception handler
        /// (ASP.NET Core ends it as 499 first).
        /// </summary>
        internal static bool IsTransient(Exception exception) => exception switch
        {
            TimeoutException or SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException
                or NpgsqlException or GatewayTooBusyException or Common.StorageUnavailableException
                or OperationCanceledException => true,
            OrleansException { InnerException: { } inner } => IsTransient(inner),
            AggregateException { InnerException: { } inner } => IsTransient(inner),
            _ => exception.InnerException is { } inner && IsTransient(inner),
        };

        [GeneratedRegex("The JSON property '([^']*)' could not be mapped", RegexOptions.CultureInvariant)]
        private static partial Regex UnmappedProperty();

        [LoggerMessage(Level = LogLevel.Warning, Message = "Request failed with a transient {ExceptionType}; answered 503")]
        private static partial void LogUnavailable(ILogger logger, string exceptionType, Exception exception);

        [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception; answered 500")]
        private static partial void LogUnexpected(ILogger logger, Exception exception);
    }
}
