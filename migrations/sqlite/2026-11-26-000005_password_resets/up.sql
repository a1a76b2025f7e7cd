-- One-time password reset links (and the link of a welcome mail): only a SHA-256 of the secret
-- is kept. A link works once (used_at) and until expires_at.
CREATE TABLE password_resets (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
-- The throttle counts a user's recent requests.
CREATE INDEX password_resets_user ON password_resets (user_id, created_at);
