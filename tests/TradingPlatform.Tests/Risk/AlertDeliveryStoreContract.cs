using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.Common;
using TradingPlatform.Risk;
using TradingPlatform.Risk.Delivery;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.Tests.Risk;

/// <summary>The claim protocol every <see cref="IAlertDeliveryStore"/> keeps, run against each implementation; each test starts empty.</summary>
public abstract class AlertDeliveryStoreContract
{
    protected static readonly DateTimeOffset T0 = new(2026, 1, 5, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(40);

    protected abstract Task<IAlertDeliveryStore> EmptyStore();

    private static NewAlertDelivery New(string alertId, string notifier = "webhook", DateTimeOffset? at = null) =>
        new("dlv_" + Guid.NewGuid().ToString("N"), alertId, notifier, "alert.raised", "{\"alert\":{\"id\":\"" + alertId + "\"}}", at ?? T0);

    [Fact]
    public async Task Enqueueing_an_alert_twice_records_one_delivery_per_notifier()
    {
        var store = await EmptyStore();
        await store.Enqueue([New("alert-1"), New("alert-1", "other")], 100);
        await store.Enqueue([New("alert-1")], 100); // a re-enqueue after a restart

        var all = await store.List(new AlertDeliveryQuery(), new PageRequest(1, 50));
        Assert.Equal(2, all.Total);
        Assert.Equal(2, await store.CountPending());
    }

    [Fact]
    public async Task A_claimed_delivery_is_not_claimed_again_until_its_lease_ends()
    {
        var store = await EmptyStore();
        await store.Enqueue([New("alert-1")], 100);

        var first = Assert.Single(await store.Claim(T0, Lease, 10));
        Assert.Equal(1, first.Attempt);
        Assert.Empty(await store.Claim(T0 + Lease - TimeSpan.FromSeconds(1), Lease, 10)); // another silo, meanwhile
        var again = Assert.Single(await store.Claim(T0 + Lease, Lease, 10));             // the first silo died: retried
        Assert.Equal(first.Id, again.Id);
        Assert.Equal(2, again.Attempt);
        Assert.Equal(first.Payload, again.Payload);
    }

    [Fact]
    public async Task A_stale_claim_cannot_overwrite_the_outcome_of_a_newer_attempt()
    {
        var store = await EmptyStore();
        await store.Enqueue([New("alert-1")], 100);
        var stale = Assert.Single(await store.Claim(T0, Lease, 10));
        var fresh = Assert.Single(await store.Claim(T0 + Lease, Lease, 10));

        Assert.True(await store.Complete(fresh.Id, fresh.Attempt, AlertDeliveryStatus.Delivered, 200, null, T0 + Lease, null));
        Assert.False(await store.Complete(stale.Id, stale.Attempt, AlertDeliveryStatus.Failed, 500, "late", T0 + Lease, null));

        var delivery = Assert.Single((await store.List(new AlertDeliveryQuery(), new PageRequest(1, 10))).Items);
        Assert.Equal(AlertDeliveryStatus.Delivered, delivery.Status);
        Assert.Equal(200, delivery.LastStatusCode);
        Assert.Equal(T0 + Lease, delivery.DeliveredAtUtc);
        Assert.Null(delivery.NextAttemptAtUtc);
    }

    [Fact]
    public async Task A_retry_is_not_due_before_its_next_attempt_time()
    {
        var store = await EmptyStore();
        await store.Enqueue([New("alert-1")], 100);
        var claim = Assert.Single(await store.Claim(T0, Lease, 10));
        Assert.True(await store.Complete(claim.Id, 1, AlertDeliveryStatus.Pending, 503, "HTTP 503", T0, T0 + TimeSpan.FromSeconds(2)));

        Assert.Empty(await store.Claim(T0 + TimeSpan.FromSeconds(1), Lease, 10));
        Assert.Equal(2, Assert.Single(await store.Claim(T0 + TimeSpan.FromSeconds(2), Lease, 10)).Attempt);
        var listed = Assert.Single((await store.List(new AlertDeliveryQuery(AlertDeliveryStatus.Pending), new PageRequest(1, 10))).Items);
        Assert.Equal("HTTP 503", listed.LastError);
        Assert.Equal(503, listed.LastStatusCode);
    }

    [Fact]
    public async Task A_released_delivery_is_due_at_once_and_its_attempt_is_not_counted()
    {
        var store = await EmptyStore();
        await store.Enqueue([New("alert-1")], 100);
        var claim = Assert.Single(await store.Claim(T0, Lease, 10));
        await store.Release(claim.Id, claim.Attempt, T0);

        Assert.Equal(1, Assert.Single(await store.Claim(T0, Lease, 10)).Attempt);
    }

    [Fact]
    public async Task Beyond_the_bound_the_oldest_pending_deliveries_are_dropped_and_never_claimed()
    {
        var store = await EmptyStore();
        Assert.Equal(0, await store.Enqueue([New("alert-1"), New("alert-2")], 3));
        Assert.Equal(2, await store.Enqueue([New("alert-3"), New("alert-4"), New("alert-5")], 3));

        var claimed = await store.Claim(T0, Lease, 10);
        Assert.Equal(["alert-3", "alert-4", "alert-5"], claimed.Select(c => c.AlertId).Order().ToArray());
        var dropped = await store.List(new AlertDeliveryQuery(AlertDeliveryStatus.Dropped), new PageRequest(1, 10));
        Assert.Equal(["alert-2", "alert-1"], dropped.Items.Select(d => d.AlertId).ToArray()); // newest first
        Assert.All(dropped.Items, d => Assert.Contains("queue was full", d.LastError, StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_list_is_newest_first_and_filters_by_alert()
    {
        var store = await EmptyStore();
        await store.Enqueue([New("alert-1")], 100);
        await store.Enqueue([New("alert-2")], 100);
        await store.Enqueue([New("alert-3")], 100);

        var page = await store.List(new AlertDeliveryQuery(), new PageRequest(1, 2));
        Assert.Equal(3, page.Total);
        Assert.Equal(["alert-3", "alert-2"], page.Items.Select(d => d.AlertId).ToArray());
        Assert.Equal("alert-2", Assert.Single((await store.List(new AlertDeliveryQuery(AlertId: "alert-2"), new PageRequest(1, 10))).Items).AlertId);
        Assert.Empty((await store.List(new AlertDeliveryQuery(AlertDeliveryStatus.Failed), new PageRequest(1, 10))).Items);
    }

    private static readonly TimeSpan Retain = TimeSpan.FromDays(7);

    /// <summary>Records a delivery of <paramref name="alertId"/> at <paramref name="at"/> and takes it to <paramref name="status"/> there.</summary>
    private static async Task<string> Finished(IAlertDeliveryStore store, string alertId, AlertDeliveryStatus status, DateTimeOffset at)
    {
        await store.Enqueue([New(alertId, at: at)], 100);
        var claim = Assert.Single(await store.Claim(at, Lease, 10), c => c.AlertId == alertId);
        Assert.True(await store.Complete(claim.Id, claim.Attempt, status, status == AlertDeliveryStatus.Delivered ? 200 : null,
            status == AlertDeliveryStatus.Delivered ? null : "Network error: ConnectionRefused", at, null));
        return claim.Id;
    }

    private static async Task<string[]> AlertIds(IAlertDeliveryStore store) =>
        (await store.List(new AlertDeliveryQuery(), new PageRequest(1, 100))).Items.Select(d => d.AlertId).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task Pruning_deletes_finished_deliveries_older_than_the_retention_and_never_a_pending_one()
    {
        var store = await EmptyStore();
        await Finished(store, "old-delivered", AlertDeliveryStatus.Delivered, T0);
        await Finished(store, "old-failed", AlertDeliveryStatus.Failed, T0);
        await Finished(store, "recent-delivered", AlertDeliveryStatus.Delivered, T0 + TimeSpan.FromDays(2));
        await store.Enqueue([New("old-dropped", at: T0)], 100);
        Assert.Equal(1, await store.Enqueue([New("old-in-flight", at: T0)], 1)); // the bound drops the oldest pending: old-dropped
        Assert.Equal("old-in-flight", Assert.Single(await store.Claim(T0, TimeSpan.FromDays(30), 10)).AlertId); // claimed, lease far ahead
        await store.Enqueue([New("old-waiting", at: T0 - TimeSpan.FromDays(1))], 100); // pending since long ago, never claimed

        var now = T0 + Retain + TimeSpan.FromDays(1); // everything finished at T0 is a day past the retention
        Assert.Equal(3, await store.Prune(now - Retain, 100));

        Assert.Equal(["old-in-flight", "old-waiting", "recent-delivered"], await AlertIds(store));
        Assert.Equal(0, await store.Prune(now - Retain, 100));
        Assert.Equal(1, await store.Prune(now + TimeSpan.FromDays(2) - Retain, 100)); // two days on, the recent one goes too
        Assert.Equal(["old-in-flight", "old-waiting"], await AlertIds(store));
        Assert.Equal(2, await store.CountPending());
    }

    [Fact]
    public async Task Pruning_deletes_at_most_one_batch_at_a_time_oldest_first()
    {
        var store = await EmptyStore();
        for (var i = 1; i <= 3; i++) await Finished(store, $"alert-{i}", AlertDeliveryStatus.Delivered, T0 + TimeSpan.FromMinutes(i));
        var cutoff = T0 + TimeSpan.FromDays(1);

        Assert.Equal(2, await store.Prune(cutoff, 2));
        Assert.Equal(["alert-3"], await AlertIds(store));
        Assert.Equal(1, await store.Prune(cutoff, 2));
        Assert.Equal(0, await store.Prune(cutoff, 2));
    }

    [Fact]
    public async Task A_failed_delivery_sent_again_is_pending_with_its_attempts_reset_and_due_at_once()
    {
        var store = await EmptyStore();
        var id = await Finished(store, "alert-1", AlertDeliveryStatus.Failed, T0);
        var later = T0 + TimeSpan.FromHours(1);

        var outcome = await store.Retry(id, later);

        Assert.Equal(AlertDeliveryRetryOutcomeKind.Retried, outcome.Kind);
        Assert.Equal(AlertDeliveryStatus.Failed, outcome.Before!.Status);
        Assert.Equal(1, outcome.Before.Attempts);
        Assert.Equal(AlertDeliveryStatus.Pending, outcome.After!.Status);
        Assert.Equal(0, outcome.After.Attempts);
        Assert.Equal(later, outcome.After.NextAttemptAtUtc);
        Assert.Equal("Network error: ConnectionRefused", outcome.After.LastError); // until the next attempt replaces it
        Assert.Empty(await store.Claim(later - TimeSpan.FromSeconds(1), Lease, 10));
        var claim = Assert.Single(await store.Claim(later, Lease, 10));
        Assert.Equal((id, 1), (claim.Id, claim.Attempt));
        Assert.True(await store.Complete(id, 1, AlertDeliveryStatus.Delivered, 200, null, later, null));
        Assert.Equal(AlertDeliveryStatus.Delivered, Assert.Single((await store.List(new AlertDeliveryQuery(), new PageRequest(1, 10))).Items).Status);
    }

    [Fact]
    public async Task Only_a_failed_delivery_can_be_sent_again_and_a_refusal_changes_nothing()
    {
        var store = await EmptyStore();
        await Finished(store, "alert-1", AlertDeliveryStatus.Delivered, T0);
        await store.Enqueue([New("alert-2")], 100);
        Assert.Equal(1, await store.Enqueue([New("alert-3")], 1)); // alert-2 dropped
        Assert.Single(await store.Claim(T0, Lease, 10)); // alert-3 pending, in flight
        await store.Enqueue([New("alert-4")], 100);      // pending, due
        var before = (await store.List(new AlertDeliveryQuery(), new PageRequest(1, 10))).Items;
        Assert.Equal(["delivered", "dropped", "pending", "pending"], before.Select(d => AlertDeliveryStatuses.Of(d.Status)).Order(StringComparer.Ordinal).ToArray());

        Assert.Equal(AlertDeliveryRetryOutcomeKind.NotFound, (await store.Retry("dlv_unknown", T0)).Kind);
        Assert.Null((await store.Retry("dlv_unknown", T0)).Before);
        foreach (var delivery in before)
        {
            var outcome = await store.Retry(delivery.Id, T0 + TimeSpan.FromHours(1));
            Assert.Equal(AlertDeliveryRetryOutcomeKind.NotFailed, outcome.Kind);
            Assert.Equal(delivery, outcome.Before);
            Assert.Null(outcome.After);
        }

        Assert.Equal(before, (await store.List(new AlertDeliveryQuery(), new PageRequest(1, 10))).Items);
    }
}

public sealed class InMemoryAlertDeliveryStoreTests : AlertDeliveryStoreContract
{
    protected override Task<IAlertDeliveryStore> EmptyStore() => Task.FromResult<IAlertDeliveryStore>(new InMemoryAlertDeliveryStore());
}

/// <summary>A migrated database for the Postgres store's tests (emptied before each test).</summary>
public sealed class PostgresAlertDeliveryFixture : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabase("alertdeliveries");
        await DatabaseMigrator.MigrateAsync(Database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
        DataSource = NpgsqlDataSource.Create(Database.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class PostgresAlertDeliveryStoreTests(PostgresAlertDeliveryFixture fixture) : AlertDeliveryStoreContract, IClassFixture<PostgresAlertDeliveryFixture>
{
    protected override async Task<IAlertDeliveryStore> EmptyStore()
    {
        await using var truncate = fixture.DataSource.CreateCommand("TRUNCATE alert_deliveries");
        await truncate.ExecuteNonQueryAsync();
        return new PostgresAlertDeliveryStore(fixture.DataSource);
    }
}

public sealed class DeliveryRulesTests
{
    [Fact]
    public void Backoff_doubles_per_failed_attempt_up_to_the_maximum_and_jitter_stays_within_half_and_all_of_it()
    {
        var (initial, max) = (TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(30));
        Assert.Equal(TimeSpan.FromSeconds(2), DeliveryBackoff.Delay(1, initial, max, random: 1));
        Assert.Equal(TimeSpan.FromSeconds(1), DeliveryBackoff.Delay(1, initial, max, random: 0));
        Assert.Equal(TimeSpan.FromSeconds(8), DeliveryBackoff.Delay(3, initial, max, random: 1));
        Assert.Equal(TimeSpan.FromSeconds(30), DeliveryBackoff.Delay(5, initial, max, random: 1)); // 32 s capped
        Assert.Equal(TimeSpan.FromSeconds(30), DeliveryBackoff.Delay(100, initial, max, random: 1));
        Assert.Equal(TimeSpan.FromSeconds(15), DeliveryBackoff.Delay(100, initial, max, random: 0));
    }

    [Fact]
    public void The_signature_is_hmac_sha256_of_timestamp_dot_body_in_lowercase_hex()
    {
        // Reference value from Python: hmac.new(b"0123456789abcdef-secret", b'1700000000.{"a":1}', hashlib.sha256).hexdigest()
        const string expected = "sha256=6948a2dc6985c92d09b9edade5c97dce2ba201452d91a72e4a20d35abe4d3420";
        Assert.Equal(expected, WebhookSignature.Sign("0123456789abcdef-secret", 1_700_000_000, """{"a":1}"""));

        var now = DateTimeOffset.FromUnixTimeSeconds(1_700_000_100);
        Assert.True(WebhookSignature.Verify("0123456789abcdef-secret", "1700000000", """{"a":1}""", expected, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("0123456789abcdef-secret", "1700000000", """{"a":2}""", expected, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("another-secret-0123456789", "1700000000", """{"a":1}""", expected, now, TimeSpan.FromMinutes(5)));
        Assert.False(WebhookSignature.Verify("0123456789abcdef-secret", "1700000000", """{"a":1}""", expected, now.AddMinutes(10), TimeSpan.FromMinutes(5))); // a replay
    }
}
