-- =====================================================================================
-- 0003: Orleans ADO.NET reminder table (UseAdoNetReminderService) for Orleans 10.4.2.
-- Requires 0001 (table OrleansQuery).
--
-- GrainId is Orleans' GrainId.ToString() ("type/key"). GrainHash is the grain's uniform
-- hash (a uint on the ring, passed as its signed 32-bit bit pattern); each silo reads
-- the reminders whose hash falls in the ring range it owns. Version is the reminder's
-- ETag: 0 on first registration, +1 on every re-registration; unregistering must present
-- the current value. Period is in milliseconds.
-- =====================================================================================

CREATE TABLE OrleansRemindersTable
(
    ServiceId    varchar(150) NOT NULL,
    GrainId      varchar(512) NOT NULL,
    ReminderName varchar(150) NOT NULL,
    StartTime    timestamptz  NOT NULL,
    Period       bigint       NOT NULL,
    GrainHash    integer      NOT NULL,
    Version      integer      NOT NULL,

    CONSTRAINT PK_OrleansRemindersTable PRIMARY KEY (ServiceId, GrainId, ReminderName)
);

-- Range scans by ring position.
CREATE INDEX IX_OrleansRemindersTable_ServiceId_GrainHash
    ON OrleansRemindersTable (ServiceId, GrainHash);

-- ReadReminderRowsKey (@ServiceId, @GrainId)
-- -> GrainId, ReminderName, StartTime, Period, Version for every reminder of one grain.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowsKey', '
SELECT r.GrainId, r.ReminderName, r.StartTime, r.Period, r.Version
  FROM OrleansRemindersTable r
 WHERE r.ServiceId = @ServiceId
   AND r.GrainId = @GrainId;
');

-- ReadReminderRowKey (@ServiceId, @GrainId, @ReminderName) -> same columns, 0 or 1 row.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadReminderRowKey', '
SELECT r.GrainId, r.ReminderName, r.StartTime, r.Period, r.Version
  FROM OrleansRemindersTable r
 WHERE r.ServiceId = @ServiceId
   AND r.GrainId = @GrainId
   AND r.ReminderName = @ReminderName;
');

-- ReadRangeRows1Key (@ServiceId, @BeginHash, @EndHash) -> same columns.
-- Ring range (BeginHash, EndHash] that does not wrap in signed order
-- (Orleans picks this key when (int)BeginHash < (int)EndHash).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows1Key', '
SELECT r.GrainId, r.ReminderName, r.StartTime, r.Period, r.Version
  FROM OrleansRemindersTable r
 WHERE r.ServiceId = @ServiceId
   AND r.GrainHash > @BeginHash
   AND r.GrainHash <= @EndHash;
');

-- ReadRangeRows2Key (@ServiceId, @BeginHash, @EndHash) -> same columns.
-- The wrapping case (and the whole ring when BeginHash = EndHash): hashes above
-- BeginHash or at/below EndHash.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadRangeRows2Key', '
SELECT r.GrainId, r.ReminderName, r.StartTime, r.Period, r.Version
  FROM OrleansRemindersTable r
 WHERE r.ServiceId = @ServiceId
   AND (r.GrainHash > @BeginHash OR r.GrainHash <= @EndHash);
');

-- UpsertReminderRowKey (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period,
-- @GrainHash) -> one row, column Version: the reminder's new ETag.
-- @Period arrives as int, or bigint when over int range; both fit the bigint column.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('UpsertReminderRowKey', '
INSERT INTO OrleansRemindersTable AS r
    (ServiceId, GrainId, ReminderName, StartTime, Period, GrainHash, Version)
VALUES
    (@ServiceId, @GrainId, @ReminderName, @StartTime, @Period, @GrainHash, 0)
ON CONFLICT (ServiceId, GrainId, ReminderName) DO UPDATE
   SET StartTime = EXCLUDED.StartTime,
       Period = EXCLUDED.Period,
       GrainHash = EXCLUDED.GrainHash,
       Version = r.Version + 1
RETURNING r.Version;
');

-- DeleteReminderRowKey (@ServiceId, @GrainId, @ReminderName, @Version)
-- -> one boolean column: true if the reminder existed with that exact Version (ETag)
-- and was deleted, false otherwise.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowKey', '
WITH deleted AS (
    DELETE FROM OrleansRemindersTable r
     WHERE r.ServiceId = @ServiceId
       AND r.GrainId = @GrainId
       AND r.ReminderName = @ReminderName
       AND r.Version = @Version
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM deleted) AS Deleted;
');

-- DeleteReminderRowsKey (@ServiceId) -> no result. Removes every reminder of a service
-- (Orleans calls this only from its test hooks).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteReminderRowsKey', '
DELETE FROM OrleansRemindersTable WHERE ServiceId = @ServiceId;
');
