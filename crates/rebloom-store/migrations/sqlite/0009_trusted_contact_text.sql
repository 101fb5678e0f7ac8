-- Kept in step with PostgreSQL's 0009 (trusted contacts' sealed name and e-mail
-- as TEXT): SQLite does not enforce VARCHAR lengths, so there is nothing to change.
SELECT 1;
