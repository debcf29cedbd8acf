DROP TABLE idempotency_keys;
DROP TABLE audit_entries;
DROP TABLE submissions;
DROP TABLE api_tokens;
