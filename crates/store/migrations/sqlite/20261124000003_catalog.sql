CREATE TABLE offer_categories (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    rank INTEGER NOT NULL
);

CREATE TABLE offers (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    category_id TEXT NOT NULL REFERENCES offer_categories (id),
    min_quantity INTEGER NOT NULL,
    max_quantity INTEGER NOT NULL,
    unit_type TEXT NOT NULL,
    billing TEXT NOT NULL,
    billing_cycles TEXT NOT NULL,
    term TEXT NOT NULL,
    is_add_on BOOLEAN NOT NULL,
    prerequisites TEXT NOT NULL,
    upgrade_targets TEXT NOT NULL,
    available BOOLEAN NOT NULL,
    countries TEXT NOT NULL,
    cancellation_window_days INTEGER NOT NULL,
    rank INTEGER NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX offers_category ON offers (category_id, rank);
