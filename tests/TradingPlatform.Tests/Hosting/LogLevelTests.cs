using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using TradingPlatform.Hosting;

namespace TradingPlatform.Tests.Hosting;

/// <summary>The log levels every process gets from <see cref="ServiceDefaults.AddTradingServiceDefaults"/>, as its loggers see them.</summary>
public sealed class LogLevelTests
{
    [Theory]
    [InlineData("Polly")] // Orleans' placement pipeline: two Information lines per new activation
    [InlineData("Orleans.Runtime.Catalog")]
    [InlineData("Microsoft.AspNetCore.Hosting.Diagnostics")]
    public async Task Framework_chatter_logs_warnings_and_up_only(string category)
    {
        await using var app = Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(category);
        Assert.False(logger.IsEnabled(LogLevel.Information));
        Assert.True(logger.IsEnabled(LogLevel.Warning));
    }

    [Fact]
    public async Task Our_own_categories_log_information()
    {
        await using var app = Build();
        Assert.True(app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("TradingPlatform.Strategies.StrategyGrain").IsEnabled(LogLevel.Information));
    }

    private static WebApplication Build()
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = "Production", ApplicationName = "LogLevelTests" });
        builder.AddTradingServiceDefaults();
        return builder.Build();
    }
}
