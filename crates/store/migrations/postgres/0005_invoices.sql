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

ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoices FORCE ROW LEVEL SECURITY;
CREATE POLICY invoices_tenant ON invoices USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE invoice_lines ENABLE ROW LEVEL SECURITY;
ALTER TABLE invoice_lines FORCE ROW LEVEL SECURITY;
CREATE POLICY invoice_lines_tenant ON invoice_lines USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE billed_periods ENABLE ROW LEVEL SECURITY;
ALTER TABLE billed_periods FORCE ROW LEVEL SECURITY;
CREATE POLICY billed_periods_tenant ON billed_periods USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));

-- An issued invoice is never edited or deleted: corrections are credit notes.
CREATE FUNCTION invoices_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'issued' THEN
        RAISE EXCEPTION 'issued invoices are immutable';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
    FOR EACH ROW EXECUTE FUNCTION invoices_immutable();
