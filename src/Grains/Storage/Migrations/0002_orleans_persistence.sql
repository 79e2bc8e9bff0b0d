-- =====================================================================================
-- 0002: Orleans ADO.NET grain storage (AddAdoNetGrainStorage) for Orleans 10.4.2.
-- Requires 0001 (table OrleansQuery).
--
-- Orleans identifies a grain's state by: ServiceId, the grain type string, and the grain
-- key split into GrainIdN0/GrainIdN1 (Guid halves or 0/long) plus GrainIdExtensionString
-- (string key, or key extension, or NULL). GrainIdHash/GrainTypeHash are 32-bit hashes
-- Orleans computes from those; they lead the index so lookups stay narrow.
--
-- Version is the state's ETag (Orleans sends it back as @GrainStateVersion, an int, NULL
-- when the grain never read an existing row). Each write/clear must present the current
-- version and gets the incremented one back; anything else is reported to the grain as an
-- InconsistentStateException. Orleans 10.4.2 stores and reads only PayloadBinary (the
-- configured IGrainStorageSerializer's bytes), so there are no JSON/XML payload columns.
-- =====================================================================================

CREATE TABLE OrleansStorage
(
    GrainIdHash            integer      NOT NULL,
    GrainIdN0              bigint       NOT NULL,
    GrainIdN1              bigint       NOT NULL,
    GrainTypeHash          integer      NOT NULL,
    GrainTypeString        varchar(512) NOT NULL,
    GrainIdExtensionString varchar(512) NULL,
    ServiceId              varchar(150) NOT NULL,
    PayloadBinary          bytea        NULL,      -- NULL after ClearStateAsync
    ModifiedOn             timestamptz  NOT NULL DEFAULT now(),
    Version                integer      NOT NULL,

    -- One row per grain state. NULLS NOT DISTINCT (Postgres 15+) makes two rows with a
    -- NULL extension string collide too, so racing first writes cannot both insert.
    CONSTRAINT UX_OrleansStorage_Grain UNIQUE NULLS NOT DISTINCT
        (GrainIdHash, GrainTypeHash, ServiceId, GrainTypeString,
         GrainIdN0, GrainIdN1, GrainIdExtensionString)
);

-- Every query below matches one grain with the same predicate on all identity columns.

-- ReadFromStorageKey (@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
-- @GrainTypeString, @GrainIdExtensionString, @ServiceId) -> PayloadBinary, Version.
-- No row: the grain starts from default state with no ETag. A row with NULL payload
-- (cleared state) still returns its Version so the next write can continue from it.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ReadFromStorageKey', '
SELECT s.PayloadBinary, s.Version
  FROM OrleansStorage s
 WHERE s.GrainIdHash = @GrainIdHash
   AND s.GrainTypeHash = @GrainTypeHash
   AND s.ServiceId = @ServiceId
   AND s.GrainTypeString = @GrainTypeString
   AND s.GrainIdN0 = @GrainIdN0
   AND s.GrainIdN1 = @GrainIdN1
   AND s.GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString;
');

-- WriteToStorageKey (identity parameters, @GrainStateVersion, @PayloadBinary)
-- -> exactly one row, one column NewGrainStateVersion:
--   * @GrainStateVersion NULL  : first write; inserts Version 1 and returns 1, or returns
--                                NULL if a row already exists (someone else wrote first).
--   * @GrainStateVersion = n   : overwrites only if the stored Version is still n and
--                                returns n + 1; otherwise returns NULL.
-- Orleans treats NULL (or the unchanged version) as a version conflict.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('WriteToStorageKey', '
WITH updated AS (
    UPDATE OrleansStorage s
       SET PayloadBinary = @PayloadBinary,
           ModifiedOn = now(),
           Version = s.Version + 1
     WHERE @GrainStateVersion IS NOT NULL
       AND s.Version = @GrainStateVersion
       AND s.GrainIdHash = @GrainIdHash
       AND s.GrainTypeHash = @GrainTypeHash
       AND s.ServiceId = @ServiceId
       AND s.GrainTypeString = @GrainTypeString
       AND s.GrainIdN0 = @GrainIdN0
       AND s.GrainIdN1 = @GrainIdN1
       AND s.GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
    RETURNING s.Version
), inserted AS (
    INSERT INTO OrleansStorage
        (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
         GrainIdExtensionString, ServiceId, PayloadBinary, ModifiedOn, Version)
    SELECT @GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString,
           @GrainIdExtensionString, @ServiceId, @PayloadBinary, now(), 1
     WHERE @GrainStateVersion IS NULL
    ON CONFLICT DO NOTHING
    RETURNING Version
)
SELECT (SELECT Version FROM updated
        UNION ALL
        SELECT Version FROM inserted
        LIMIT 1) AS NewGrainStateVersion;
');

-- ClearStorageKey (identity parameters, @GrainStateVersion) -> NewGrainStateVersion.
-- Used when DeleteStateOnClear = false (the default): keeps the row, drops the payload,
-- increments Version and returns it. No row returned means a version conflict.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('ClearStorageKey', '
UPDATE OrleansStorage s
   SET PayloadBinary = NULL,
       ModifiedOn = now(),
       Version = s.Version + 1
 WHERE s.Version = @GrainStateVersion
   AND s.GrainIdHash = @GrainIdHash
   AND s.GrainTypeHash = @GrainTypeHash
   AND s.ServiceId = @ServiceId
   AND s.GrainTypeString = @GrainTypeString
   AND s.GrainIdN0 = @GrainIdN0
   AND s.GrainIdN1 = @GrainIdN1
   AND s.GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
RETURNING s.Version AS NewGrainStateVersion;
');

-- DeleteStorageKey (identity parameters, @GrainStateVersion) -> NewGrainStateVersion.
-- Used when DeleteStateOnClear = true: removes the row if the version matches and
-- returns a value different from the old version (Orleans then forgets the ETag, so the
-- next write is a first write). No row returned means a version conflict.
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES ('DeleteStorageKey', '
DELETE FROM OrleansStorage s
 WHERE s.Version = @GrainStateVersion
   AND s.GrainIdHash = @GrainIdHash
   AND s.GrainTypeHash = @GrainTypeHash
   AND s.ServiceId = @ServiceId
   AND s.GrainTypeString = @GrainTypeString
   AND s.GrainIdN0 = @GrainIdN0
   AND s.GrainIdN1 = @GrainIdN1
   AND s.GrainIdExtensionString IS NOT DISTINCT FROM @GrainIdExtensionString
RETURNING s.Version + 1 AS NewGrainStateVersion;
');
