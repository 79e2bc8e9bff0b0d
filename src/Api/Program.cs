using TradingPlatform.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddTradingApi();

var app = builder.Build();
app.UseTradingApi();
await app.RunAsync();

/// <summary>Entry point; public so integration tests can host the API with WebApplicationFactory.</summary>
public partial class Program;
