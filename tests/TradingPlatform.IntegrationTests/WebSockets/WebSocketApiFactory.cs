using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.WebSockets;

/// <summary>The embedded API with gateway settings small enough to exercise limits in a test.</summary>
public sealed class WebSocketApiFactory : EmbeddedApiFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["WebSockets:ReadmitSeconds"] = "1",
        ["WebSockets:HeartbeatSeconds"] = "1",
        ["WebSockets:OutboundQueueCapacity"] = "256",
        ["WebSockets:SlowConsumerTimeoutSeconds"] = "300",
        ["WebSockets:MaxInboundMessageBytes"] = "1024",
        ["WebSockets:TopicRoles:alerts"] = "trader",
        ["Topics:RetainedEvents"] = "64",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // Small, fixed socket send buffers (accepted sockets inherit them from the listener): a client that stops
        // reading backs the server up after a few hundred frames instead of megabytes of kernel autotuning.
        builder.ConfigureServices(services => services.Configure<SocketTransportOptions>(o => o.CreateBoundListenSocket = endpoint =>
        {
            var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.SendBuffer, 16 * 1024);
            return socket;
        }));
    }

    /// <summary>The real Kestrel address (http://127.0.0.1:port/).</summary>
    public Uri BaseAddress => CreateClient().BaseAddress!;

    /// <summary>An access token for a new user with this role.</summary>
    public async Task<string> NewUserToken(string role)
    {
        var username = $"ws-{role}-{Guid.NewGuid():N}"[..24];
        await CreateUser(username, role);
        return (await Login(username, UserPassword)).Access;
    }
}

[CollectionDefinition(Name)]
public sealed class WebSocketCollection : ICollectionFixture<WebSocketApiFactory>
{
    public const string Name = "websockets";
}
