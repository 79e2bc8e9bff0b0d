-- =====================================================================================
-- 0008: workspaces, a named JSON document per user (dashboard layout, watched symbols).
-- Written by PostgresWorkspaceStore; read and written by API nodes directly (no grain: nothing
-- here is on the trading path, and one row per workspace means a change rewrites one document,
-- not the user's whole set). Names are unique per owner, case-insensitively. version is the
-- optimistic-concurrency token (the ETag); it starts at 1 and grows by one per replace.
-- The document is `json` (kept byte for byte as written, \u0000 included), at most the API's
-- Workspaces:MaxDocumentBytes (64 KiB by default).
-- =====================================================================================

CREATE TABLE workspaces
(
    workspace_seq bigint      GENERATED ALWAYS AS IDENTITY,
    workspace_id  text        PRIMARY KEY,
    owner_id      text        NOT NULL,
    name          text        NOT NULL,
    document      json        NOT NULL,
    size_bytes    integer     NOT NULL,
    version       bigint      NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL
);
CREATE UNIQUE INDEX workspaces_owner_name ON workspaces (owner_id, lower(name));
CREATE INDEX workspaces_owner_newest ON workspaces (owner_id, workspace_seq DESC);
