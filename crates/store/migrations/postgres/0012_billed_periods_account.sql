-- A billing run reads the periods already billed of a batch of accounts at once: without this
-- index each batch scans every billed period, and a run over N accounts costs N².
CREATE INDEX billed_periods_account ON billed_periods(account_id);
