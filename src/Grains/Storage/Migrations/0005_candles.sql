-- =====================================================================================
-- 0005: historical candles (OHLCV bars) for charts and backtests.
-- Written by PostgresCandleStore: a binary COPY into a temporary staging table, then one
-- INSERT ... SELECT ... ON CONFLICT (symbol, timeframe, time) DO UPDATE per import.
--
-- timeframe is the wire name as text ('1m', '5m', '15m', '1h', '4h', '1d'), like the journal's
-- enums: readable in psql and in a dump, and a renamed C# member cannot change stored data.
-- time is the bar's open time (UTC); bars start at whole multiples of their length since
-- 1970-01-01T00:00:00Z (the importer refuses others). Prices and volume are numeric: C# decimal
-- round-trips exactly. Coarser timeframes that are not stored are aggregated at read time from
-- the finest stored one that divides them; nothing derived is stored.
-- =====================================================================================

CREATE TABLE candles
(
    symbol    text        NOT NULL,
    timeframe text        NOT NULL,
    time      timestamptz NOT NULL,
    open      numeric     NOT NULL,
    high      numeric     NOT NULL,
    low       numeric     NOT NULL,
    close     numeric     NOT NULL,
    volume    numeric     NOT NULL,

    -- The upsert key, and every read: one series in time order (range scans, binary COPY out).
    CONSTRAINT pk_candles PRIMARY KEY (symbol, timeframe, time),
    -- Readers map the text back to Timeframe: an unknown value must never get in.
    CONSTRAINT ck_candles_timeframe CHECK (timeframe IN ('1m', '5m', '15m', '1h', '4h', '1d'))
    -- The bar rules (prices > 0, volume >= 0, low <= open/close <= high, aligned time) are CandleRules, applied by
    -- the only writer (PostgresCandleStore, for CSV imports and Upsert alike). They are not repeated as a CHECK:
    -- evaluating it for every row cost about a fifth of the import throughput.
);
