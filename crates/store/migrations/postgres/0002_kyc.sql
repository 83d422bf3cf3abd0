-- Files an account uploads (registry extracts now, contract documents later), kept in the
-- database so that every process sees them and backups hold them.
CREATE TABLE files (
    id TEXT PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts(id),
    purpose TEXT NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    content BYTEA NOT NULL,
    uploaded_by TEXT,
    uploaded_at BIGINT NOT NULL
);
CREATE INDEX files_account ON files(account_id, purpose, uploaded_at);

-- Know-your-customer data of a holder (INES-KYC): its registry extract and bank details.
CREATE TABLE account_kyc (
    account_id TEXT PRIMARY KEY REFERENCES accounts(id),
    registry_file_id TEXT REFERENCES files(id),
    registry_issued_on TEXT,
    registry_uploaded_at BIGINT,
    bank_holder TEXT,
    bank_iban TEXT,
    bank_bic TEXT,
    bank_updated_at BIGINT
);

ALTER TABLE files ENABLE ROW LEVEL SECURITY;
ALTER TABLE files FORCE ROW LEVEL SECURITY;
CREATE POLICY files_tenant ON files USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
ALTER TABLE account_kyc ENABLE ROW LEVEL SECURITY;
ALTER TABLE account_kyc FORCE ROW LEVEL SECURITY;
CREATE POLICY account_kyc_tenant ON account_kyc USING (comptoir_tenant_visible(account_id)) WITH CHECK (comptoir_tenant_visible(account_id));
