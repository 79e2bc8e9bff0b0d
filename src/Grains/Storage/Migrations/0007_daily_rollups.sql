-- =====================================================================================
-- 0007: daily rollups. One row per scope and UTC day, written by DailyRollupGrain through
-- PostgresDailyRollupStore shortly after each UTC day ends (or, after an outage, when the cluster
-- is back: then late = true and captured_at says when the values were taken).
-- scope is 'portfolio' or 'strategy:{id}' (the kill switch's spelling), so no strategy id can
-- collide with the portfolio. Writes are insert-if-absent (ON CONFLICT DO NOTHING) on the primary
-- key: a retry or two writers racing never duplicate a day and never overwrite the first capture,
-- which is the one closest to the day's end. All rows of one day go in one transaction, the
-- portfolio's last, so a portfolio row for a day means the day is complete.
-- Money is numeric (decimal on the server); equity = capital + realized + unrealized PnL.
-- =====================================================================================

CREATE TABLE daily_rollups
(
    scope          text        NOT NULL,
    day            date        NOT NULL,
    capital        numeric     NOT NULL,
    equity         numeric     NOT NULL,
    realized_pnl   numeric     NOT NULL,
    unrealized_pnl numeric     NOT NULL,
    daily_pnl      numeric     NOT NULL,
    gross_exposure numeric     NOT NULL,
    net_exposure   numeric     NOT NULL,
    open_positions integer     NOT NULL,
    fills          bigint      NOT NULL,
    late           boolean     NOT NULL,
    captured_at    timestamptz NOT NULL,
    PRIMARY KEY (scope, day)
);
