using System.Net.Sockets;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using TradingPlatform.IntegrationTests.Infrastructure;

namespace TradingPlatform.IntegrationTests.WebSockets;

/// <summary>The embedded API with gateway settings small enough to exercise limits in a test.</summary>
public class WebSocketApiFactory : EmbeddedApiFactory
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

/// <summary>
/// A node of its own with strict gateway limits, for the paths that end a connection: an outbound queue of 32
/// frames (small, yet room for a reading client to ride out a scheduling stall on a busy machine) and a 1 s
/// slow-consumer timeout (4408), a long close handshake (so a client that resumes reading late still reads the
/// close code instead of finding the socket aborted), and no clock skew on tokens (an expired token is refused
/// at once). The node renews its topic leases every second, so it meets a moved topic grain at once. Gateway debug
/// logs say why each connection ended.
/// </summary>
public sealed class WebSocketLimitsApiFactory : WebSocketApiFactory
{
    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["WebSockets:OutboundQueueCapacity"] = "32",
        ["WebSockets:SlowConsumerTimeoutSeconds"] = "1",
        ["WebSockets:CloseTimeoutSeconds"] = "120",
        ["WebSockets:TopicLeaseRenewSeconds"] = "1",
        ["Auth:ClockSkewSeconds"] = "0",
        ["Serilog:MinimumLevel:Default"] = "Information",
        ["Serilog:MinimumLevel:Override:TradingPlatform.Api.WebSockets"] = "Debug",
    };
}

[CollectionDefinition(Name)]
public sealed class WebSocketLimitsCollection : ICollectionFixture<WebSocketLimitsApiFactory>
{
    public const string Name = "websocket-limits";
}
