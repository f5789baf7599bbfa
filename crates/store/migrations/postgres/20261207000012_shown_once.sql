-- A secret shown once (temporary password, token, client secret) waits here between the POST
-- that made it and the one GET that shows it, so Back and refresh never post again. It is
-- sealed with a key derived from the session's cookie, which the database never holds; the
-- GET deletes it, and rows older than a few minutes are purged.
CREATE TABLE shown_once (
id TEXT PRIMARY KEY,
session_hash TEXT NOT NULL,
sealed TEXT NOT NULL,
created_at BIGINT NOT NULL
);
CREATE INDEX shown_once_created ON shown_once (created_at);
