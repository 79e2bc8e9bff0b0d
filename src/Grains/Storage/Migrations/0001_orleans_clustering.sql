-- =====================================================================================
-- 0001: Orleans query catalogue + ADO.NET clustering (membership) for Orleans 10.4.2.
--
-- Orleans' ADO.NET providers keep no SQL of their own: at start-up they run
--     SELECT QueryKey, QueryText FROM OrleansQuery
-- and execute the stored texts with named parameters (@DeploymentId, @Address, ...).
-- Every provider refuses to start ("Not all required queries found") unless all of
-- its keys are present, so each migration adds the rows for the provider it creates.
--
-- Notes for readers:
--  * Identifiers are unquoted, so Postgres folds them to lower case; Npgsql resolves
--    the column names Orleans asks for (e.g. "IAmAliveTime") case-insensitively.
--  * All times are timestamptz. Orleans always passes UTC DateTime values (DbType.DateTime,
--    which Npgsql sends as timestamptz) and reads them back as UTC.
--  * No dollar-quoted PL/pgSQL bodies (DbUp treats dollar-delimited words as variables).
--    Multi-step writes are single statements with data-modifying CTEs, which are atomic.
--  * "DeploymentId" is Orleans' ClusterOptions.ClusterId.
-- =====================================================================================

-- Query catalogue shared by clustering, persistence and reminders.
CREATE TABLE OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL,
    QueryText varchar(8000) NOT NULL,

    CONSTRAINT PK_OrleansQuery PRIMARY KEY (QueryKey)
);

-- One row per cluster. Version is the membership table's optimistic-concurrency token:
-- Orleans reads it together with the members, and every insert/update of a member must
-- present the version it read; the write succeeds only if the version is unchanged, and
-- then increments it. Orleans uses the version's decimal text as the row/table ETag.
CREATE TABLE OrleansMembershipVersionTable
(
    DeploymentId varchar(150) NOT NULL,
    Timestamp    timestamptz  NOT NULL DEFAULT now(),  -- last change, for operators only
    Version      integer      NOT NULL DEFAULT 0,

    CONSTRAINT PK_OrleansMembershipVersionTable PRIMARY KEY (DeploymentId)
);

-- One row per silo incarnation (address, port and generation identify it).
-- Status holds Orleans' SiloStatus enum: 1 Created, 2 Joining, 3 Active,
-- 4 ShuttingDown, 5 Stopping, 6 Dead.
-- SuspectTimes is Orleans' own text encoding of suspicion votes ("silo,time|silo,time").
CREATE TABLE OrleansMembershipTable
(
    DeploymentId varchar(150) NOT NULL,
    Address      varchar(45)  NOT NULL,        -- IPv4/IPv6 text
    Port         integer      NOT NULL,        -- silo-to-silo port
    Generation   integer      NOT NULL,
    SiloName     varchar(150) NOT NULL,
    HostName     varchar(150) NOT NULL,
    Status       integer      NOT NULL,
    ProxyPort    integer      NOT NULL DEFAULT 0,  -- gateway port, 0 when not a gateway
    SuspectTimes text         NULL,
    StartTime    timestamptz  NOT NULL,
    IAmAliveTime timestamptz  NOT NULL,

    CONSTRAINT PK_OrleansMembershipTable PRIMARY KEY (DeploymentId, Address, Port, Generation),
    CONSTRAINT FK_OrleansMembershipTable_Version FOREIGN KEY (DeploymentId)
        REFERENCES OrleansMembershipVersionTable (DeploymentId)
);

-- -------------------------------------------------------------------------------------
-- Query texts. Column names in SELECT lists are the ones Orleans reads by name.
-- -------------------------------------------------------------------------------------

-- InsertMembershipVersionKey (@DeploymentId) -> one boolean column:
-- true when this call created the cluster's version row, false if it already existed.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipVersionKey', '
WITH created AS (
    INSERT INTO OrleansMembershipVersionTable (DeploymentId)
    VALUES (@DeploymentId)
    ON CONFLICT (DeploymentId) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM created) AS Created;
');

-- MembershipReadAllKey (@DeploymentId) -> the version row left-joined to every member.
-- The version row always yields a row (member columns NULL when the cluster is empty),
-- which is how Orleans learns the table version; StartTime NULL means "no member here".
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadAllKey', '
SELECT
    v.DeploymentId,
    m.Address,
    m.Port,
    m.Generation,
    m.SiloName,
    m.HostName,
    m.Status,
    m.ProxyPort,
    m.SuspectTimes,
    m.StartTime,
    m.IAmAliveTime,
    v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
       ON m.DeploymentId = v.DeploymentId
WHERE v.DeploymentId = @DeploymentId;
');

-- MembershipReadRowKey (@DeploymentId, @Address, @Port, @Generation) -> same shape as
-- MembershipReadAllKey, restricted to one silo; still one row with the version if absent.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('MembershipReadRowKey', '
SELECT
    v.DeploymentId,
    m.Address,
    m.Port,
    m.Generation,
    m.SiloName,
    m.HostName,
    m.Status,
    m.ProxyPort,
    m.SuspectTimes,
    m.StartTime,
    m.IAmAliveTime,
    v.Version
FROM OrleansMembershipVersionTable v
LEFT JOIN OrleansMembershipTable m
       ON m.DeploymentId = v.DeploymentId
      AND m.Address = @Address
      AND m.Port = @Port
      AND m.Generation = @Generation
WHERE v.DeploymentId = @DeploymentId;
');

-- InsertMembershipKey (@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
-- @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) -> one boolean column.
-- @Version is the table version the caller read. The version row is bumped only if it
-- still equals @Version and the silo is not yet present; the member is inserted only if
-- the bump happened. A concurrent writer that bumped first makes the re-checked
-- "Version = @Version" fail, so exactly one of two racing writers wins.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('InsertMembershipKey', '
WITH bumped AS (
    UPDATE OrleansMembershipVersionTable v
       SET Version = v.Version + 1,
           Timestamp = now()
     WHERE v.DeploymentId = @DeploymentId
       AND v.Version = @Version
       AND v.Version < 2147483647
       AND NOT EXISTS (
           SELECT 1 FROM OrleansMembershipTable m
            WHERE m.DeploymentId = @DeploymentId
              AND m.Address = @Address
              AND m.Port = @Port
              AND m.Generation = @Generation)
    RETURNING v.DeploymentId
), inserted AS (
    INSERT INTO OrleansMembershipTable
        (DeploymentId, Address, Port, Generation, SiloName, HostName,
         Status, ProxyPort, StartTime, IAmAliveTime)
    SELECT b.DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
           @Status, @ProxyPort, @StartTime, @IAmAliveTime
      FROM bumped b
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM inserted) AS Inserted;
');

-- UpdateMembershipKey (@DeploymentId, @Address, @Port, @Generation, @Status,
-- @SuspectTimes, @IAmAliveTime, @Version) -> one boolean column.
-- Same version check as InsertMembershipKey, but the silo must already exist.
-- IAmAliveTime never moves backwards (a delayed write cannot undo a newer heartbeat).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateMembershipKey', '
WITH bumped AS (
    UPDATE OrleansMembershipVersionTable v
       SET Version = v.Version + 1,
           Timestamp = now()
     WHERE v.DeploymentId = @DeploymentId
       AND v.Version = @Version
       AND v.Version < 2147483647
       AND EXISTS (
           SELECT 1 FROM OrleansMembershipTable m
            WHERE m.DeploymentId = @DeploymentId
              AND m.Address = @Address
              AND m.Port = @Port
              AND m.Generation = @Generation)
    RETURNING v.DeploymentId
), updated AS (
    UPDATE OrleansMembershipTable m
       SET Status = @Status,
           SuspectTimes = @SuspectTimes,
           IAmAliveTime = GREATEST(m.IAmAliveTime, @IAmAliveTime)
      FROM bumped b
     WHERE m.DeploymentId = b.DeploymentId
       AND m.Address = @Address
       AND m.Port = @Port
       AND m.Generation = @Generation
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM updated) AS Updated;
');

-- UpdateIAmAlivetimeKey (@DeploymentId, @Address, @Port, @Generation, @IAmAliveTime)
-- -> no result. Heartbeat; deliberately does not touch the table version.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpdateIAmAlivetimeKey', '
UPDATE OrleansMembershipTable m
   SET IAmAliveTime = GREATEST(m.IAmAliveTime, @IAmAliveTime)
 WHERE m.DeploymentId = @DeploymentId
   AND m.Address = @Address
   AND m.Port = @Port
   AND m.Generation = @Generation;
');

-- GatewaysQueryKey (@DeploymentId, @Status = 3 Active) -> Address, ProxyPort, Generation
-- of every active silo that runs a gateway. Used by clients to find the cluster.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('GatewaysQueryKey', '
SELECT m.Address, m.ProxyPort, m.Generation
  FROM OrleansMembershipTable m
 WHERE m.DeploymentId = @DeploymentId
   AND m.Status = @Status
   AND m.ProxyPort > 0;
');

-- DeleteMembershipTableEntriesKey (@DeploymentId) -> no result.
-- Removes the whole cluster: its members, then its version row.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteMembershipTableEntriesKey', '
DELETE FROM OrleansMembershipTable WHERE DeploymentId = @DeploymentId;
DELETE FROM OrleansMembershipVersionTable WHERE DeploymentId = @DeploymentId;
');

-- CleanupDefunctSiloEntryKey (@DeploymentId, @Address, @Port, @Generation, @StartTime,
-- @IAmAliveTime, @SuspectTimes) -> no result. Used by Orleans 10.4 when present:
-- Orleans picks Dead silos older than the cutoff from its own read and deletes each one
-- only if the row still holds exactly the values it saw (nothing changed meanwhile).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntryKey', '
DELETE FROM OrleansMembershipTable m
 WHERE m.DeploymentId = @DeploymentId
   AND m.Address = @Address
   AND m.Port = @Port
   AND m.Generation = @Generation
   AND m.Status = 6
   AND m.StartTime = @StartTime
   AND m.IAmAliveTime = @IAmAliveTime
   AND COALESCE(m.SuspectTimes, '''') = COALESCE(@SuspectTimes, '''');
');

-- CleanupDefunctSiloEntriesKey (@DeploymentId, @IAmAliveTime = cutoff) -> no result.
-- Required key; Orleans 10.4 only falls back to it when CleanupDefunctSiloEntryKey is
-- missing. Deletes Dead silos that started and last heartbeated before the cutoff and
-- carry no suspicion votes.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('CleanupDefunctSiloEntriesKey', '
DELETE FROM OrleansMembershipTable m
 WHERE m.DeploymentId = @DeploymentId
   AND m.Status = 6
   AND m.IAmAliveTime < @IAmAliveTime
   AND m.StartTime < @IAmAliveTime
   AND COALESCE(m.SuspectTimes, '''') = '''';
');
