-- A trusted contact's name and e-mail are stored sealed (encrypted, base64),
-- longer than the text they hold: a 254-character address or a name of about
-- 40 characters in a non-Latin script no longer fitted VARCHAR(320)/(200).
-- Lengths are checked by the API on the plain text.
ALTER TABLE trusted_contacts ALTER COLUMN name TYPE TEXT, ALTER COLUMN email TYPE TEXT;
