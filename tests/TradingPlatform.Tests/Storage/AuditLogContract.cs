using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using TradingPlatform.Common;
using TradingPlatform.Risk;
using TradingPlatform.Storage;
using TradingPlatform.Testing;

namespace TradingPlatform.Tests.Storage;

/// <summary>
/// The rules every <see cref="IAuditLog"/> keeps, run against each implementation. Tests may share one log
/// (and database): each uses actors of its own.
/// </summary>
public abstract class AuditLogContract(IAuditLog log, ManualClock clock)
{
    [Fact]
    public async Task Append_returns_the_stored_record_with_its_id_and_the_time_of_the_clock()
    {
        var actor = NewActor();
        clock.Now = new DateTimeOffset(2026, 4, 1, 8, 0, 0, TimeSpan.FromHours(3)).AddTicks(15);

        var record = await log.Append(actor, "kill_switch.engage", "global", """{"engaged":false}""", """{"engaged":true,"reason":"drill"}""");

        Assert.True(record.Id > 0);
        Assert.Equal((actor, "kill_switch.engage", "global"), (record.Actor, record.Action, record.Target));
        Assert.Equal(new DateTimeOffset(2026, 4, 1, 5, 0, 0, TimeSpan.Zero).AddTicks(10), record.AtUtc);
        Assert.Equal(TimeSpan.Zero, record.AtUtc.Offset);
        AssertSameJson("""{"engaged":false}""", record.BeforeJson);
        AssertSameJson("""{"reason":"drill","engaged":true}""", record.AfterJson);
        var stored = Assert.Single((await log.Query(new AuditQuery(actor), new PageRequest(1, 10))).Items);
        Assert.Equal(record, stored);
    }

    [Fact]
    public async Task Before_and_after_may_be_absent()
    {
        var actor = NewActor();

        var record = await log.Append(actor, "strategy.halt", "s1", null, null);

        Assert.Null(record.BeforeJson);
        Assert.Null(record.AfterJson);
        Assert.Equal(record, Assert.Single((await log.Query(new AuditQuery(actor), new PageRequest(1, 10))).Items));
    }

    [Fact]
    public async Task Records_come_newest_first_filtered_by_actor_and_action_with_the_filtered_total()
    {
        var alice = NewActor();
        var bob = NewActor();
        var appended = new List<AuditRecord>();
        for (var i = 0; i < 7; i++)
        {
            clock.Now = clock.Now.AddSeconds(1);
            appended.Add(await log.Append(i % 2 == 0 ? alice : bob, i % 3 == 0 ? "user.create" : "strategy.halt", $"t{i}", null, $$"""{"i":{{i}}}"""));
        }
        var newestFirst = appended.AsEnumerable().Reverse().ToArray();

        var all = await log.Query(new AuditQuery(), new PageRequest(1, 3));
        var alicePage1 = await log.Query(new AuditQuery(alice), new PageRequest(1, 3));
        var alicePage2 = await log.Query(new AuditQuery(alice), new PageRequest(2, 3));
        var aliceCreates = await log.Query(new AuditQuery(alice, "user.create"), new PageRequest(1, 10));
        var bobHalts = await log.Query(new AuditQuery(bob, "strategy.halt"), new PageRequest(1, 10));
        var nobody = await log.Query(new AuditQuery(NewActor()), new PageRequest(1, 10));

        Assert.Equal(newestFirst[..3], all.Items);
        Assert.True(all.Total >= 7);
        Assert.Equal(newestFirst.Where(r => r.Actor == alice).Take(3), alicePage1.Items);
        Assert.Equal(newestFirst.Where(r => r.Actor == alice).Skip(3), alicePage2.Items);
        Assert.Equal((4L, 2, 3), (alicePage2.Total, alicePage2.PageNumber, alicePage2.PerPage));
        Assert.Equal(["t6", "t0"], aliceCreates.Items.Select(r => r.Target));
        Assert.Equal(2, aliceCreates.Total);
        Assert.Equal(["t5", "t1"], bobHalts.Items.Select(r => r.Target));
        Assert.Empty(nobody.Items);
        Assert.Equal(0, nobody.Total);
        Assert.Equal(appended.Select(r => r.Id).Order(), appended.Select(r => r.Id));
    }

    [Fact]
    public async Task Json_that_does_not_parse_is_refused_and_nothing_is_stored()
    {
        var actor = NewActor();

        await Assert.ThrowsAsync<ArgumentException>(() => log.Append(actor, "user.create", "u1", "{not json", null));
        await Assert.ThrowsAsync<ArgumentException>(() => log.Append(actor, "user.create", "u1", null, "[1,"));

        Assert.Equal(0, (await log.Query(new AuditQuery(actor), new PageRequest(1, 10))).Total);
    }

    private static string NewActor() => $"actor-{Guid.NewGuid():N}";

    private static void AssertSameJson(string expected, string? actual)
    {
        Assert.NotNull(actual);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual)), $"Expected {expected}, got {actual}");
    }
}

/// <summary>A clock tests set by hand.</summary>
public sealed class ManualClock : TimeProvider
{
    public DateTimeOffset Now { get; set; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => Now;
}

public sealed class InMemoryAuditLogTests : AuditLogContract
{
    public InMemoryAuditLogTests() : this(new ManualClock())
    {
    }

    private InMemoryAuditLogTests(ManualClock clock) : base(new InMemoryAuditLog(clock), clock)
    {
    }
}

public sealed class PostgresAuditLogFixture : IAsyncLifetime
{
    public ManualClock Clock { get; } = new();
    public TestDatabase Database { get; private set; } = null!;
    public NpgsqlDataSource DataSource { get; private set; } = null!;
    public PostgresAuditLog Log { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Database = await TestPostgres.CreateDatabase("audit");
        await DatabaseMigrator.MigrateAsync(Database.ConnectionString, NullLogger.Instance, TimeSpan.FromSeconds(30));
        DataSource = NpgsqlDataSource.Create(Database.ConnectionString);
        Log = new PostgresAuditLog(DataSource, Clock);
    }

    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await Database.DisposeAsync();
    }
}

public sealed class PostgresAuditLogTests(PostgresAuditLogFixture fixture)
    : AuditLogContract(fixture.Log, fixture.Clock), IClassFixture<PostgresAuditLogFixture>
{
    [Fact]
    public async Task Before_and_after_are_stored_as_jsonb()
    {
        await fixture.Log.Append("actor-jsonb", "user.create", "u1", """{"roles":["admin"]}""", "42");

        await using var command = fixture.DataSource.CreateCommand(
            "SELECT jsonb_typeof(before), before -> 'roles' ->> 0, jsonb_typeof(after) FROM audit_log WHERE actor = 'actor-jsonb'");
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal(("object", "admin", "number"), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
    }
}
