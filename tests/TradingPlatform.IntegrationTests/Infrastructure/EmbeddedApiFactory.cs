using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Infrastructure;

/// <summary>
/// The API in its embedded default (co-hosted silo, in memory) on a real Kestrel server over
/// loopback, with its own free silo and gateway ports so several can run at once.
/// </summary>
public sealed class EmbeddedApiFactory : WebApplicationFactory<Program>
{
    public EmbeddedApiFactory()
    {
        UseKestrel(0);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("Orleans:SiloPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Orleans:GatewayPort", FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("ConnectionStrings:Postgres", "");
    }
}

[CollectionDefinition(Name)]
public sealed class EmbeddedApiCollection : ICollectionFixture<EmbeddedApiFactory>
{
    public const string Name = "embedded-api";
}
