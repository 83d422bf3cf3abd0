-- Contracts (CLOG-SERVICE, CTR-*): the register of an account's supplier contracts, their
-- documents, the termination steps, and the account's settings for deadlines and reminders.
CREATE TABLE contracts (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    reference TEXT NOT NULL,
    counterparty_name TEXT NOT NULL,
    counterparty_siren TEXT,
    counterparty_office TEXT,
    counterparty_contact TEXT,
    category TEXT NOT NULL,
    -- contracts::ContractTerms as JSON (start, term_months, renewal, notice, ways).
    terms TEXT NOT NULL,
    start_on TEXT NOT NULL,
    price_minor BIGINT,
    currency TEXT,
    billing_period TEXT,
    owner TEXT,
    -- JSON array of strings.
    tags TEXT NOT NULL,
    notes TEXT NOT NULL,
    -- Accent-folded, stemmed words to search (contracts::search::search_key).
    search_key TEXT NOT NULL,
    -- active, sent (letter sent), delivered, terminated.
    status TEXT NOT NULL,
    letter_way TEXT,
    sent_on TEXT,
    delivered_on TEXT,
    proof_file_id TEXT REFERENCES files(id),
    ends_on TEXT,
    terminated_on TEXT,
    supplier_notice_on TEXT,
    created_by TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (account_id, id)
);
CREATE INDEX contracts_account ON contracts(account_id, status, counterparty_name);

-- Documents attached to a contract; the bytes are in `files` (purpose contract_document).
CREATE TABLE contract_documents (
    account_id TEXT NOT NULL,
    contract_id TEXT NOT NULL,
    file_id TEXT NOT NULL REFERENCES files(id),
    PRIMARY KEY (contract_id, file_id),
    FOREIGN KEY (account_id, contract_id) REFERENCES contracts(account_id, id)
);
CREATE INDEX contract_documents_account ON contract_documents(account_id, contract_id);

-- The account's settings for the contracts module.
CREATE TABLE contract_settings (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    alsace_moselle BOOLEAN NOT NULL DEFAULT FALSE,
    -- contracts::HolderKind code: professional, association, co_ownership.
    holder_kind TEXT NOT NULL DEFAULT 'professional',
    -- Lead times in days before the send-by date, comma-separated.
    lead_days TEXT NOT NULL DEFAULT '90,30,15,7',
    weekly_digest BOOLEAN NOT NULL DEFAULT FALSE,
    -- SHA-256 of the secret calendar feed token; NULL when there is no feed.
    calendar_token_hash TEXT UNIQUE,
    calendar_token_created_at BIGINT,
    updated_at BIGINT NOT NULL
);

ALTER TABLE contracts ENABLE ROW LEVEL SECURITY;
ALTER TABLE contracts FORCE ROW LEVEL SECURITY;
CREATE POLICY contracts_tenant ON contracts USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE contract_documents ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_documents FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_documents_tenant ON contract_documents USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE contract_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE contract_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY contract_settings_tenant ON contract_settings USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
