-- =====================================================================================
-- 0004: the trading journal (orders and fills, the system of record) and the audit log.
-- Written by PostgresTradingJournal (group commit: one transaction per batch of units) and
-- PostgresAuditLog.
--
-- Enums are lowercase snake_case text (explicit mappings in JournalCodes.cs, never
-- Enum.ToString()), so renaming a C# member cannot silently change stored data.
-- Money and quantities are numeric (C# decimal round-trips exactly); times are timestamptz
-- (microsecond precision; the journals truncate to microseconds before storing).
-- =====================================================================================

CREATE TABLE trading_orders
(
    -- Creation order: "newest first" listings sort by it.
    order_seq          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id           text        NOT NULL,
    strategy_id        text        NOT NULL,
    client_order_id    text        NOT NULL,
    symbol             text        NOT NULL,
    side               text        NOT NULL,
    quantity           numeric     NOT NULL,
    type               text        NOT NULL,
    limit_price        numeric     NULL,
    status             text        NOT NULL,
    reject_reason      text        NULL,
    reject_detail      text        NULL,
    filled_quantity    numeric     NOT NULL,
    average_fill_price numeric     NOT NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL,

    CONSTRAINT ux_trading_orders_order_id UNIQUE (order_id),
    -- The idempotency key of order placement.
    CONSTRAINT ux_trading_orders_client_order UNIQUE (strategy_id, client_order_id),
    CONSTRAINT ck_trading_orders_side CHECK (side IN ('buy', 'sell')),
    CONSTRAINT ck_trading_orders_type CHECK (type IN ('market', 'limit')),
    CONSTRAINT ck_trading_orders_status CHECK (status IN ('open', 'partially_filled', 'filled', 'cancelled', 'rejected'))
);

-- A strategy's working orders, oldest first (small: only open and partially filled orders are in it).
CREATE INDEX ix_trading_orders_working ON trading_orders (strategy_id, order_seq)
    WHERE status IN ('open', 'partially_filled');

-- A strategy's orders newest first (recent orders, counts, history filtered by strategy and maybe status/symbol).
CREATE INDEX ix_trading_orders_strategy ON trading_orders (strategy_id, order_seq);

-- Order history filtered by symbol or by status without a strategy.
CREATE INDEX ix_trading_orders_symbol ON trading_orders (symbol, order_seq);
CREATE INDEX ix_trading_orders_status ON trading_orders (status, order_seq);

CREATE TABLE trading_fills
(
    -- Orders all fills cluster-wide (Fill.JournalSequence).
    journal_seq  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fill_id      text        NOT NULL,
    order_id     text        NULL,
    strategy_id  text        NOT NULL,
    symbol       text        NOT NULL,
    side         text        NOT NULL,
    quantity     numeric     NOT NULL,
    price        numeric     NOT NULL,
    fee          numeric     NOT NULL,
    -- Fill.Sequence: numbers the fills of one position (strategy and symbol) from 1.
    position_seq bigint      NOT NULL,
    executed_at  timestamptz NOT NULL,
    source       text        NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),

    -- Idempotency of fill reports.
    CONSTRAINT ux_trading_fills_fill_id UNIQUE (fill_id),
    -- One fill per position sequence; also serves position heads and replay (FillsAfter).
    CONSTRAINT ux_trading_fills_position UNIQUE (strategy_id, symbol, position_seq),
    CONSTRAINT ck_trading_fills_side CHECK (side IN ('buy', 'sell')),
    CONSTRAINT ck_trading_fills_source CHECK (source IN ('paper', 'external'))
);

-- Fill history of one strategy, newest first.
CREATE INDEX ix_trading_fills_strategy ON trading_fills (strategy_id, journal_seq);

CREATE TABLE audit_log
(
    id     bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    actor  text        NOT NULL,
    action text        NOT NULL,
    target text        NOT NULL,
    before jsonb       NULL,
    after  jsonb       NULL,
    at     timestamptz NOT NULL
);

CREATE INDEX ix_audit_log_actor ON audit_log (actor, id);
CREATE INDEX ix_audit_log_action ON audit_log (action, id);
