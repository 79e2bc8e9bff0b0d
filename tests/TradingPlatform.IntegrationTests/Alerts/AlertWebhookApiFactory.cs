using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Risk.Delivery;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Alerts;

/// <summary>
/// The embedded API (co-hosted silo, its delivery worker) over real Kestrel, with the alert delivery store on a
/// fresh migrated Postgres database and the webhook pointed at a <see cref="WebhookReceiver"/> on loopback. Fast
/// retries (3 attempts, 50-200 ms backoff) so failure paths take well under a second of waiting.
/// </summary>
public class AlertWebhookApiFactory : EmbeddedApiFactory, IAsyncLifetime
{
    private readonly bool _ownsDatabase;
    private TestDatabase? _database;

    public AlertWebhookApiFactory() => _ownsDatabase = true;

    /// <summary>A host over an existing database and receiver port (restart tests: a second host after the first).</summary>
    internal AlertWebhookApiFactory(TestDatabase database, int receiverPort, int maxAttempts)
    {
        _database = database;
        ReceiverPort = receiverPort;
        MaxAttempts = maxAttempts;
    }

    public int ReceiverPort { get; private set; }

    public int MaxAttempts { get; } = 3;

    public WebhookReceiver Receiver { get; private set; } = null!;

    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public TestDatabase Database => _database!;

    public async Task InitializeAsync()
    {
        if (_ownsDatabase)
        {
            _database = await TestPostgres.CreateDatabase("alerts");
            await DatabaseMigrator.MigrateAsync(_database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
            ReceiverPort = FreePort.Next();
            Receiver = await WebhookReceiver.Start(ReceiverPort);
        }
        DataSource = NpgsqlDataSource.Create(_database!.ConnectionString);
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await DisposeAsync();
        await DataSource.DisposeAsync();
        if (_ownsDatabase)
        {
            await Receiver.DisposeAsync();
            await _database!.DisposeAsync();
        }
    }

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>(base.Settings)
    {
        ["Alerts:Webhook:Url"] = $"http://127.0.0.1:{ReceiverPort}{WebhookReceiver.Path}",
        ["Alerts:Webhook:Secret"] = WebhookReceiver.Secret,
        ["Alerts:Webhook:TimeoutSeconds"] = "30",
        ["Alerts:MaxAttempts"] = MaxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Alerts:InitialBackoffMilliseconds"] = "50",
        ["Alerts:MaxBackoffMilliseconds"] = "200",
        ["Alerts:PollMilliseconds"] = "100",
    };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services =>
        {
            services.RemoveAll<IAlertDeliveryStore>();
            services.AddSingleton<IAlertDeliveryStore>(_ => new PostgresAlertDeliveryStore(DataSource));
        });
    }

    /// <summary>Raises a critical alert whose message holds <paramref name="token"/> (a strategy-scope halt) and returns the alert's id.</summary>
    public async Task<string> RaiseAlert(string token, CancellationToken cancellationToken = default)
    {
        var admin = await Admin();
        var strategy = await admin.CreateStrategy([TradingClient.NewSymbol()]);
        var response = await admin.PostAsync(new Uri("/v1/controls/kill-switch", UriKind.Relative),
            Json.Body(new { scope = $"strategy:{strategy}", state = "halted", reason = token }), cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var alerts = await (await admin.Get("/v1/alerts?per_page=500")).Read();
        return (string)alerts["items"]!.AsArray().First(a => ((string?)a!["message"])!.Contains(token, StringComparison.Ordinal))!["id"]!;
    }

    /// <summary>The delivery of this alert as <c>GET /v1/alerts/deliveries</c> shows it (null while there is none).</summary>
    public async Task<JsonNode?> Delivery(string alertId)
    {
        var page = await (await (await Admin()).Get($"/v1/alerts/deliveries?alertId={Uri.EscapeDataString(alertId)}")).Read();
        return page["items"]!.AsArray().SingleOrDefault();
    }

    public Task<JsonNode> DeliveryIn(string alertId, string status, TimeSpan patience) =>
        Eventually.Get(async () => await Delivery(alertId) ?? new JsonObject(), d => (string?)d["status"] == status, patience, $"delivery of {alertId} is {status}");

    /// <summary>The value of <c>tradingplatform_alert_deliveries_total{outcome}</c> on this host's /metrics.</summary>
    public async Task<double> DeliveriesCounted(string outcome)
    {
        var text = await CreateClient().GetStringAsync(new Uri("/metrics", UriKind.Relative));
        var prefix = $"tradingplatform_alert_deliveries_total{{outcome=\"{outcome}\"}} ";
        var line = text.Split('\n').Single(l => l.StartsWith(prefix, StringComparison.Ordinal));
        return double.Parse(line[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture);
    }
}

[CollectionDefinition(Name)]
public sealed class AlertWebhookCollection : ICollectionFixture<AlertWebhookApiFactory>
{
    public const string Name = "alert-webhook-api";
}
