-- The text of contract documents (issue 5, item 6): read from a PDF when it is attached, kept
-- bounded (contracts::search::DOCUMENT_TEXT_MAX_BYTES) with its search key (the distinct
-- accent-folded stems, contracts::search::document_key), so that a contract is found by the
-- words of its documents. text_status says why a document has no text (contracts::search::
-- DocumentText: indexed, empty, unreadable, image, not_read); documents attached before this
-- migration were not read.
ALTER TABLE contract_documents ADD COLUMN text_status TEXT NOT NULL DEFAULT 'not_read';
ALTER TABLE contract_documents ADD COLUMN extracted_text TEXT NOT NULL DEFAULT '';
ALTER TABLE contract_documents ADD COLUMN search_key TEXT NOT NULL DEFAULT ' ';
