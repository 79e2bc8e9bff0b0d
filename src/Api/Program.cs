using TradingPlatform.Api;
using TradingPlatform.Api.Candles;

// `dotnet run --project src/Api -- candles …` runs a candle tool (generate, import) instead of the API.
if (args is ["candles", ..])
{
    Environment.ExitCode = await CandleCommands.Run(args[1..], Console.Out, Console.Error);
    return;
}

var builder = WebApplication.CreateBuilder(args);
builder.AddTradingApi();

var app = builder.Build();
app.UseTradingApi();
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the API with WebApplicationFactory.</summary>
public partial class Program;
