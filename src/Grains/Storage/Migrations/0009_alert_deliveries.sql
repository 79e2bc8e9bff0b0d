-- =====================================================================================
-- 0009: alert deliveries (the outbox of alert notifiers). Written by PostgresAlertDeliveryStore.
-- One row per (alert, notifier), inserted when the alert is raised (idempotent: a re-enqueue after a
-- silo restart finds the row and does nothing). Every silo's worker claims due pending rows with
-- FOR UPDATE SKIP LOCKED and pushes next_attempt_at forward by a lease, so one silo sends at a time
-- and a silo that dies mid-attempt only delays the retry. attempts guards outcomes: a worker whose
-- claim went stale cannot overwrite a newer attempt's result. Status is lowercase text.
-- =====================================================================================

CREATE TABLE alert_deliveries
(
    delivery_seq     bigint      GENERATED ALWAYS AS IDENTITY,
    delivery_id      text        PRIMARY KEY,
    alert_id         text        NOT NULL,
    notifier         text        NOT NULL,
    event            text        NOT NULL,
    -- The exact JSON body every attempt sends (the signature covers "{timestamp}.{payload}").
    payload          text        NOT NULL,
    status           text        NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'dropped')),
    attempts         integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL,
    next_attempt_at  timestamptz,
    last_attempt_at  timestamptz,
    delivered_at     timestamptz,
    last_status_code integer,
    last_error       text,
    UNIQUE (alert_id, notifier)
);
CREATE INDEX alert_deliveries_newest ON alert_deliveries (delivery_seq DESC);
CREATE INDEX alert_deliveries_status ON alert_deliveries (status, delivery_seq DESC);
CREATE INDEX alert_deliveries_due ON alert_deliveries (next_attempt_at, delivery_seq) WHERE status = 'pending';
