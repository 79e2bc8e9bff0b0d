using System.Collections.Frozen;
using TradingPlatform.Api.Identity;
using TradingPlatform.Identity;
using TradingPlatform.Topics;

namespace TradingPlatform.Api.WebSockets;

/// <summary>
/// Who may subscribe to what: the one role table of the WebSocket topics. The contract lets a viewer
/// read every topic; operators may raise a topic family with <c>WebSockets:TopicRoles:{family}</c>.
/// </summary>
public sealed class TopicAccess
{
    public static readonly FrozenDictionary<string, Role> Defaults = new Dictionary<string, Role>(StringComparer.Ordinal)
    {
        [TopicNames.Fills] = Role.Viewer,
        [TopicNames.Pnl] = Role.Viewer,
        [TopicNames.Positions] = Role.Viewer,
        [TopicNames.Strategies] = Role.Viewer,
        [TopicNames.KillSwitch] = Role.Viewer,
        [TopicNames.Alerts] = Role.Viewer,
        [TopicNames.System] = Role.Viewer,
        ["backtest"] = Role.Viewer,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private readonly FrozenDictionary<string, Role> _table;

    public TopicAccess(WebSocketGatewayOptions options)
    {
        var table = new Dictionary<string, Role>(Defaults, StringComparer.Ordinal);
        foreach (var (family, role) in options.TopicRoles)
            table[family] = Policies.TryParseRole(role, out var parsed) ? parsed : throw new InvalidOperationException($"WebSockets:TopicRoles:{family} must be viewer, trader or admin.");
        _table = table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Checks the override keys and values (used by the start-up validation).</summary>
    public static bool ValidOverrides(WebSocketGatewayOptions options) =>
        options.TopicRoles.All(r => Defaults.ContainsKey(r.Key) && Policies.TryParseRole(r.Value, out _));

    public Role Required(string topic) => _table[TopicNames.Family(topic)];

    public bool Allows(Role role, string topic) => role >= Required(topic);
}
