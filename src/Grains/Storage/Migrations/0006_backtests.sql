-- =====================================================================================
-- 0006: backtest runs and their results. Written by PostgresBacktestStore.
-- A run's row is its grain's state (the grain loads it on activation and writes it on every
-- status change); the denormalized columns serve GET /v1/runs filters. Results are written once,
-- in one transaction, before the run is marked completed (a rerun after a failover replaces them).
-- Enums are lowercase snake_case text, as in the journal.
-- =====================================================================================

CREATE TABLE backtest_runs
(
    run_seq       bigint      GENERATED ALWAYS AS IDENTITY,
    run_id        text        PRIMARY KEY,
    status        text        NOT NULL,
    strategy_kind text        NOT NULL,
    symbol        text        NOT NULL,
    created_by    text        NOT NULL,
    created_at    timestamptz NOT NULL,
    -- The whole run (request, progress, times, error, attempts) as the grain holds it.
    run           jsonb       NOT NULL
);
CREATE INDEX backtest_runs_newest ON backtest_runs (run_seq DESC);
CREATE INDEX backtest_runs_status ON backtest_runs (status, run_seq DESC);

CREATE TABLE backtest_results
(
    run_id       text    PRIMARY KEY REFERENCES backtest_runs (run_id) ON DELETE CASCADE,
    metrics      jsonb   NOT NULL,
    -- [{time, equity}], one point per UTC day (a few thousand at most).
    equity_curve jsonb   NOT NULL,
    bars         bigint  NOT NULL,
    trade_count  integer NOT NULL
);

CREATE TABLE backtest_trades
(
    run_id         text        NOT NULL REFERENCES backtest_runs (run_id) ON DELETE CASCADE,
    seq            integer     NOT NULL,
    time           timestamptz NOT NULL,
    side           text        NOT NULL,
    quantity       numeric     NOT NULL,
    price          numeric     NOT NULL,
    fee            numeric     NOT NULL,
    realized_pnl   numeric     NOT NULL,
    position_after numeric     NOT NULL,
    PRIMARY KEY (run_id, seq)
);
