DROP FUNCTION IF EXISTS audit_entries_append_only CASCADE;
DROP TABLE idempotency_keys;
DROP TABLE audit_entries;
DROP TABLE submissions;
DROP TABLE api_tokens;
