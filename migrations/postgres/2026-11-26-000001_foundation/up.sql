-- Named gapless counters: invoice and credit-note numbers take the next value inside the
-- transaction that uses it.
CREATE TABLE counters (
    name TEXT PRIMARY KEY NOT NULL,
    value BIGINT NOT NULL DEFAULT 0
);
