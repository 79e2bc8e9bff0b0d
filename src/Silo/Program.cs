using TradingPlatform.Hosting;
using TradingPlatform.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddTradingSilo();

var app = builder.Build();
app.MapOperationalEndpoints();
await app.RunAsync();
