using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using TradingPlatform.Common;
using TradingPlatform.Risk;
using TradingPlatform.Risk.Delivery;
using TradingPlatform.Testing;

namespace TradingPlatform.Tests.Risk;

/// <summary>
/// Retention as the silos run it: the delivery worker's own loop on a real Postgres store, with a clock the test moves
/// (days pass in an instant), and the outbox refusing alerts older than the retention (their delivery may be pruned).
/// </summary>
public sealed class AlertDeliveryRetentionTests(PostgresAlertDeliveryFixture fixture) : IClassFixture<PostgresAlertDeliveryFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(40);

    private async Task<PostgresAlertDeliveryStore> EmptyStore()
    {
        await using var truncate = fixture.DataSource.CreateCommand("TRUNCATE alert_deliveries");
        await truncate.ExecuteNonQueryAsync();
        return new PostgresAlertDeliveryStore(fixture.DataSource);
    }

    private static NewAlertDelivery New(string alertId, DateTimeOffset at) =>
        new("dlv_" + Guid.NewGuid().ToString("N"), alertId, "webhook", "alert.raised", "{}", at);

    private static async Task Finish(IAlertDeliveryStore store, string alertId, AlertDeliveryStatus status, DateTimeOffset at)
    {
        await store.Enqueue([New(alertId, at)], 100);
        var claim = Assert.Single(await store.Claim(at, Lease, 10));
        Assert.True(await store.Complete(claim.Id, claim.Attempt, status, null, status == AlertDeliveryStatus.Failed ? "HTTP 500" : null, at, null));
    }

    private static async Task<string> AlertIds(IAlertDeliveryStore store) => string.Join(",",
        (await store.List(new AlertDeliveryQuery(), new PageRequest(1, 100))).Items.Select(d => d.AlertId).Order(StringComparer.Ordinal));

    [Fact]
    public async Task The_worker_deletes_finished_deliveries_past_the_retention_and_keeps_pending_and_recent_ones()
    {
        var store = await EmptyStore();
        var clock = new ManualClock();
        var start = clock.Now;
        var old = start - TimeSpan.FromDays(10);
        await Finish(store, "old-delivered", AlertDeliveryStatus.Delivered, old);
        await Finish(store, "old-failed", AlertDeliveryStatus.Failed, old);
        await Finish(store, "recent-delivered", AlertDeliveryStatus.Delivered, start - TimeSpan.FromDays(1));
        await store.Enqueue([New("old-dropped", old)], 100);
        Assert.Equal(1, await store.Enqueue([New("old-pending", old)], 1)); // drops old-dropped; old-pending waits (no notifier sends it)
        Assert.Equal("old-delivered,old-dropped,old-failed,old-pending,recent-delivered", await AlertIds(store));

        var options = Options.Create(new AlertDeliveryOptions { RetainDays = 7, PollMilliseconds = 20 });
        using var worker = new AlertDeliveryWorker([], store, new AlertDeliverySignal(), options, clock, NullLogger<AlertDeliveryWorker>.Instance);
        await worker.StartAsync(CancellationToken.None);
        try
        {
            // One DELETE decides all rows at once: when the old ones are gone, the recent one was judged by the same pass.
            await Eventually.True(async () => await AlertIds(store) == "old-pending,recent-delivered", Patience, "the first pass prunes the old finished deliveries");

            clock.Now = start + TimeSpan.FromDays(6) + TimeSpan.FromMinutes(1); // recent-delivered is now a minute past 7 days
            await Eventually.True(async () => await AlertIds(store) == "old-pending", Patience, "a later pass prunes the one that aged out");
            Assert.Equal(1, await store.CountPending());
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_worker_does_not_prune_again_before_the_prune_interval_has_passed()
    {
        var store = await EmptyStore();
        var clock = new ManualClock();
        var start = clock.Now;
        var options = Options.Create(new AlertDeliveryOptions { RetainDays = 7, PollMilliseconds = 20 });
        using var worker = new AlertDeliveryWorker([], store, new AlertDeliverySignal(), options, clock, NullLogger<AlertDeliveryWorker>.Instance);
        await Finish(store, "first", AlertDeliveryStatus.Delivered, start - TimeSpan.FromDays(8));
        await worker.StartAsync(CancellationToken.None);
        try
        {
            await Eventually.True(async () => await AlertIds(store) == "", Patience, "the first pass at start");
            await Finish(store, "second", AlertDeliveryStatus.Delivered, start - TimeSpan.FromDays(8));
            clock.Now = start + AlertDeliveryWorker.PruneInterval - TimeSpan.FromSeconds(1);
            await Task.Delay(TimeSpan.FromMilliseconds(300)); // many polls, none due: the row stays
            Assert.Equal("second", await AlertIds(store));
            clock.Now = start + AlertDeliveryWorker.PruneInterval;
            await Eventually.True(async () => await AlertIds(store) == "", Patience, "the next pass, one interval later");
        }
        finally
        {
            await worker.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task The_outbox_does_not_enqueue_an_alert_older_than_the_retention_so_a_pruned_delivery_is_never_sent_twice()
    {
        var store = await EmptyStore();
        var clock = new ManualClock();
        var options = Options.Create(new AlertDeliveryOptions { RetainDays = 7 });
        var outbox = new AlertOutbox([new NamedNotifier("webhook")], store, options, clock, new AlertDeliverySignal());
        Alert Raised(string id, TimeSpan ago) => new(id, AlertSeverity.Critical, "kill_switch_changed", "halted", null, clock.Now - ago, false, null, null);

        // An activation re-enqueues the alerts its persisted state still lists: one from 8 days ago (its delivery long
        // finished and pruned), one from 6 days ago (its delivery still in the table: the enqueue is a no-op), a new one.
        await outbox.Enqueue([Raised("alert-8d", TimeSpan.FromDays(8)), Raised("alert-6d", TimeSpan.FromDays(6)), Raised("alert-new", TimeSpan.Zero)]);

        Assert.Equal("alert-6d,alert-new", await AlertIds(store));
    }

    /// <summary>A notifier that only has a name: the outbox records one delivery per notifier and never sends.</summary>
    private sealed class NamedNotifier(string name) : INotifier
    {
        public string Name => name;

        public Task<NotificationResult> Send(Notification notification, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The outbox never sends.");
    }
}
