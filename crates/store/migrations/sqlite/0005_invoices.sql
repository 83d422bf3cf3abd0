-- Invoices: numbered at finalization from a counter row per series, so numbers are gapless
-- and never come from a table's row id; an issued invoice is never edited or deleted.

CREATE TABLE invoice_counters (
    series TEXT PRIMARY KEY,
    next_number BIGINT NOT NULL
);

CREATE TABLE invoices (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    series TEXT NOT NULL,
    number BIGINT,
    issued_on TEXT,
    due_on TEXT,
    billing_date TEXT NOT NULL,
    seller TEXT NOT NULL,
    buyer TEXT NOT NULL,
    mentions TEXT NOT NULL,
    total_excl BIGINT NOT NULL,
    total_vat BIGINT NOT NULL,
    total_incl BIGINT NOT NULL,
    vat_breakdown TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    finalized_at BIGINT,
    UNIQUE (series, number)
);
CREATE INDEX invoices_account ON invoices(account_id, billing_date);

CREATE TABLE invoice_lines (
    id TEXT PRIMARY KEY,
    invoice_id TEXT NOT NULL REFERENCES invoices(id),
    account_id TEXT NOT NULL REFERENCES accounts(id),
    subscription_id TEXT,
    position BIGINT NOT NULL,
    kind TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity BIGINT NOT NULL,
    unit_price_micros BIGINT NOT NULL,
    vat_rate_bp BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    period_start TEXT,
    period_end TEXT
);
CREATE INDEX invoice_lines_invoice ON invoice_lines(invoice_id, position);

-- A subscription's period is billed once: rerunning a period, or restarting after a crash,
-- finds it here and bills nothing twice.
CREATE TABLE billed_periods (
    subscription_id TEXT NOT NULL,
    period_start TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    invoice_id TEXT NOT NULL REFERENCES invoices(id),
    PRIMARY KEY (subscription_id, period_start)
);

-- An issued invoice is never edited or deleted: corrections are credit notes.
CREATE TRIGGER invoices_no_update BEFORE UPDATE ON invoices WHEN OLD.status = 'issued'
BEGIN SELECT RAISE(ABORT, 'issued invoices are immutable'); END;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices WHEN OLD.status = 'issued'
BEGIN SELECT RAISE(ABORT, 'issued invoices are immutable'); END;
