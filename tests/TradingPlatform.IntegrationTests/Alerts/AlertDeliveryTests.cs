using System.Net;
using System.Text.Json.Nodes;
using TradingPlatform.IntegrationTests.Infrastructure;
using TradingPlatform.IntegrationTests.Trading;
using TradingPlatform.Testing;

namespace TradingPlatform.IntegrationTests.Alerts;

/// <summary>Alert webhooks end to end: a raised alert reaches a real receiver on loopback, signed, retried, or failed and reported.</summary>
[Collection(AlertWebhookCollection.Name)]
public sealed class AlertDeliveryTests(AlertWebhookApiFactory factory)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static string NewToken() => "tok-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task A_raised_alert_is_delivered_once_with_a_valid_signature_and_a_stable_delivery_id()
    {
        var token = NewToken();
        var alertId = await factory.RaiseAlert(token);

        var delivery = await factory.DeliveryIn(alertId, "delivered", Patience);
        Assert.Equal(1, (int?)delivery["attempts"]);
        Assert.Equal(200, (int?)delivery["lastStatusCode"]);
        Assert.Equal("webhook", (string?)delivery["notifier"]);
        Assert.Equal("alert.raised", (string?)delivery["event"]);
        Assert.NotNull(delivery["deliveredAt"]);

        var received = Assert.Single(factory.Receiver.For(token));
        Assert.True(received.SignatureValid, $"signature {received.Signature} over {received.Timestamp}.{received.Body}");
        Assert.Equal((string?)delivery["id"], received.DeliveryId);
        Assert.Equal("alert.raised", received.Event);
        Assert.Equal("1", received.Attempt);
        var body = JsonNode.Parse(received.Body)!;
        Assert.Equal(received.DeliveryId, (string?)body["deliveryId"]);
        Assert.Equal(alertId, (string?)body["alert"]!["id"]);
        Assert.Equal("critical", (string?)body["alert"]!["severity"]);
        Assert.Equal("kill_switch_changed", (string?)body["alert"]!["kind"]);
    }

    [Fact]
    public async Task A_receiver_that_answers_500_twice_gets_a_third_attempt_and_the_alert_is_delivered()
    {
        var token = NewToken();
        factory.Receiver.On(token, n => Task.FromResult(n <= 2 ? 500 : 200));
        var retriedBefore = await factory.DeliveriesCounted("retried");

        var alertId = await factory.RaiseAlert(token);

        var delivery = await factory.DeliveryIn(alertId, "delivered", Patience);
        Assert.Equal(3, (int?)delivery["attempts"]);
        Assert.Equal(200, (int?)delivery["lastStatusCode"]);
        var received = factory.Receiver.For(token);
        Assert.Equal(3, received.Count);
        Assert.All(received, r => Assert.True(r.SignatureValid));
        Assert.Single(received.Select(r => r.DeliveryId).Distinct()); // one delivery id across retries: receivers can dedupe
        Assert.Equal("1,2,3", string.Join(",", received.Select(r => r.Attempt)));
        Assert.True(await factory.DeliveriesCounted("retried") >= retriedBefore + 2);
    }

    [Fact]
    public async Task A_receiver_that_is_down_leaves_the_delivery_failed_after_the_maximum_attempts_with_its_error_listed_and_counted()
    {
        var failedBefore = await factory.DeliveriesCounted("failed");
        await factory.Receiver.Stop();
        try
        {
            var alertId = await factory.RaiseAlert(NewToken());

            var delivery = await factory.DeliveryIn(alertId, "failed", Patience);
            Assert.Equal(factory.MaxAttempts, (int?)delivery["attempts"]);
            Assert.Null(delivery["lastStatusCode"]);
            Assert.Contains("ConnectionRefused", (string?)delivery["lastError"], StringComparison.Ordinal);
            Assert.Null(delivery["nextAttemptAt"]);

            var failed = await (await (await factory.Admin()).Get("/v1/alerts/deliveries?status=failed&per_page=500")).Read();
            Assert.Contains(failed["items"]!.AsArray(), d => (string?)d!["alertId"] == alertId);
            Assert.True(await factory.DeliveriesCounted("failed") >= failedBefore + 1);
        }
        finally
        {
            await factory.Receiver.Start();
        }
    }

    [Fact]
    public async Task A_receiver_that_hangs_does_not_hold_up_the_call_that_raised_the_alert_nor_trading()
    {
        var token = NewToken();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        factory.Receiver.On(token, async _ =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return 200;
        });
        try
        {
            // If raising waited for the receiver, this would not return until the release below: the token fails it instead.
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var alertId = await factory.RaiseAlert(token, limit.Token);

            await Eventually.True(() => Task.FromResult(factory.Receiver.For(token).Count == 1), Patience, "the receiver holds the delivery");
            Assert.Equal("pending", (string?)(await factory.Delivery(alertId))!["status"]);

            var (admin, trader) = (await factory.Admin(), await factory.As("trader"));
            var symbol = TradingClient.NewSymbol();
            var strategy = await admin.CreateStrategy([symbol]);
            await trader.Tick(symbol, 100m);
            Assert.Equal("filled", (string?)(await trader.Placed(strategy, symbol, "buy", 1))["status"]);
            Assert.False(release.Task.IsCompleted);

            release.SetResult();
            var delivery = await factory.DeliveryIn(alertId, "delivered", Patience);
            Assert.Equal(1, (int?)delivery["attempts"]);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task A_failed_delivery_resent_by_an_admin_reaches_the_receiver_once_it_is_back_with_the_same_delivery_id()
    {
        var token = NewToken();
        var resentBefore = await factory.DeliveriesCounted("resent");
        var admin = await factory.Admin();
        string alertId;
        JsonNode failed;
        await factory.Receiver.Stop();
        try
        {
            alertId = await factory.RaiseAlert(token);
            failed = await factory.DeliveryIn(alertId, "failed", Patience);
            Assert.Equal(factory.MaxAttempts, (int?)failed["attempts"]);
        }
        finally
        {
            await factory.Receiver.Start();
        }
        Assert.Empty(factory.Receiver.For(token));
        var id = (string)failed["id"]!;

        var resend = await admin.PostAsync(new Uri($"/v1/alerts/deliveries/{id}/retry", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, resend.StatusCode);
        var pending = await resend.Read();
        Assert.Equal(id, (string?)pending["id"]);
        Assert.Equal("pending", (string?)pending["status"]);
        Assert.Equal(0, (int?)pending["attempts"]);
        Assert.NotNull(pending["nextAttemptAt"]);
        var delivered = await factory.DeliveryIn(alertId, "delivered", Patience);
        Assert.Equal(1, (int?)delivered["attempts"]); // counted afresh from the resend
        Assert.Equal(200, (int?)delivered["lastStatusCode"]);
        var received = Assert.Single(factory.Receiver.For(token));
        Assert.Equal(id, received.DeliveryId);
        Assert.Equal("1", received.Attempt);
        Assert.True(received.SignatureValid);
        Assert.True(await factory.DeliveriesCounted("resent") >= resentBefore + 1);
        var audit = await (await admin.Get("/v1/audit?action=alert_delivery.retry&per_page=500")).Read();
        var record = audit["items"]!.AsArray().Single(r => (string?)r!["target"] == $"alert_delivery:{id}")!;
        Assert.Equal(EmbeddedApiFactory.AdminUsername, (string?)record["actor"]);
        Assert.Equal("failed", (string?)record["before"]!["status"]);
        Assert.Equal("pending", (string?)record["after"]!["status"]);

        // Delivered now: a second resend is refused and changes nothing.
        var again = await admin.PostAsync(new Uri($"/v1/alerts/deliveries/{id}/retry", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("application/problem+json", again.Content.Headers.ContentType?.MediaType);
        var problem = await again.Read();
        Assert.Equal(409, (int?)problem["status"]);
        Assert.Contains("delivered", (string?)problem["detail"], StringComparison.Ordinal);
        Assert.Equal("delivered", (string?)(await factory.Delivery(alertId))!["status"]);
        Assert.Single(factory.Receiver.For(token));
    }

    [Fact]
    public async Task Resending_is_for_admins_and_answers_404_for_an_unknown_delivery_and_409_for_a_pending_one()
    {
        var token = NewToken();
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        factory.Receiver.On(token, async _ =>
        {
            await release.Task.WaitAsync(TimeSpan.FromSeconds(60));
            return 200;
        });
        try
        {
            var alertId = await factory.RaiseAlert(token);
            await Eventually.True(() => Task.FromResult(factory.Receiver.For(token).Count == 1), Patience, "the receiver holds the delivery");
            var pending = (await factory.Delivery(alertId))!;
            Assert.Equal("pending", (string?)pending["status"]);
            var path = $"/v1/alerts/deliveries/{(string)pending["id"]!}/retry";

            var admin = await factory.Admin();
            var conflict = await admin.PostAsync(new Uri(path, UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
            Assert.Contains("pending", (string?)(await conflict.Read())["detail"], StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.As("trader")).PostAsync(new Uri(path, UriKind.Relative), null)).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().PostAsync(new Uri(path, UriKind.Relative), null)).StatusCode);
            var unknown = await admin.PostAsync(new Uri("/v1/alerts/deliveries/dlv_unknown/retry", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
            Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
            var tooLong = await admin.PostAsync(new Uri($"/v1/alerts/deliveries/{new string('x', 5000)}/retry", UriKind.Relative), null);
            Assert.Equal(HttpStatusCode.NotFound, tooLong.StatusCode);

            var document = await (await factory.CreateClient().Get("/openapi/v1.json")).Read();
            var responses = document["paths"]!["/v1/alerts/deliveries/{id}/retry"]!["post"]!["responses"]!.AsObject();
            Assert.Equal(["200", "401", "403", "404", "409"], responses.Select(r => r.Key).Order(StringComparer.Ordinal).ToArray());

            var after = (await factory.Delivery(alertId))!;
            Assert.Equal("pending", (string?)after["status"]);
            Assert.Equal(1, (int?)after["attempts"]); // the refusals changed nothing
            release.SetResult();
            await factory.DeliveryIn(alertId, "delivered", Patience);
        }
        finally
        {
            release.TrySetResult();
        }
    }

    [Fact]
    public async Task The_delivery_list_is_for_admins_and_refuses_an_unknown_status()
    {
        var admin = await factory.Admin();
        var bad = await admin.Get("/v1/alerts/deliveries?status=lost");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal("application/problem+json", bad.Content.Headers.ContentType?.MediaType);
        Assert.NotNull((await bad.Read())["errors"]!["status"]);
        Assert.Equal(HttpStatusCode.BadRequest, (await admin.Get("/v1/alerts/deliveries?per_page=501")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await factory.As("trader")).Get("/v1/alerts/deliveries")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().Get("/v1/alerts/deliveries")).StatusCode);
    }
}

/// <summary>Deliveries live in Postgres, not in a silo: what one host left pending, the next host sends.</summary>
public sealed class AlertDeliveryRestartTests
{
    [Fact]
    public async Task A_delivery_left_pending_by_a_stopped_host_is_sent_by_the_next_host_with_the_same_delivery_id()
    {
        await using var database = await TestPostgres.CreateDatabase("alertrestart");
        await TradingPlatform.Storage.DatabaseMigrator.MigrateAsync(database.ConnectionString, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance, TimeSpan.FromSeconds(30));
        var port = FreePort.Next(); // nothing listens there yet: the receiver is down
        var token = "tok-" + Guid.NewGuid().ToString("N");

        string alertId;
        JsonNode before;
        var first = new AlertWebhookApiFactory(database, port, maxAttempts: 100);
        await ((IAsyncLifetime)first).InitializeAsync();
        try
        {
            alertId = await first.RaiseAlert(token);
            before = await Eventually.Get(async () => await first.Delivery(alertId) ?? new JsonObject(),
                d => (int?)d["attempts"] >= 2, TimeSpan.FromSeconds(30), "two failed attempts");
            Assert.Equal("pending", (string?)before["status"]);
            Assert.NotNull(before["lastError"]);
        }
        finally
        {
            await ((IAsyncLifetime)first).DisposeAsync();
        }

        await using var receiver = await WebhookReceiver.Start(port);
        var second = new AlertWebhookApiFactory(database, port, maxAttempts: 100);
        await ((IAsyncLifetime)second).InitializeAsync();
        try
        {
            var delivered = await second.DeliveryIn(alertId, "delivered", TimeSpan.FromSeconds(30));
            Assert.Equal((string?)before["id"], (string?)delivered["id"]);
            Assert.True((int?)delivered["attempts"] > (int?)before["attempts"]);
            var received = receiver.For(token);
            Assert.NotEmpty(received);
            Assert.All(received, r => Assert.Equal((string?)before["id"], r.DeliveryId));
            Assert.True(received[^1].SignatureValid);
        }
        finally
        {
            await ((IAsyncLifetime)second).DisposeAsync();
        }
    }
}
