-- TruthSnap reference worker schema.  Idempotent: `python -m reference_worker init-db`
-- applies it as often as you like.  Tables are unqualified, so they land in the first
-- schema of the connection's search_path.

CREATE TABLE IF NOT EXISTS users (
    user_id           BIGINT PRIMARY KEY CHECK (user_id > 0),
    subscription_tier TEXT NOT NULL DEFAULT 'free'
                      CHECK (subscription_tier IN ('free', 'pro')),
    created_at        TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE IF NOT EXISTS analyses (
    analysis_id    TEXT PRIMARY KEY CHECK (analysis_id LIKE 'ANL-%'),
    -- One analysis per photo: a retried job updates its own row, never adds one.
    photo_key      TEXT NOT NULL UNIQUE,
    user_id        BIGINT NOT NULL CHECK (user_id > 0),
    chat_id        BIGINT NOT NULL,
    content_sha256 TEXT NOT NULL,
    image_format   TEXT NOT NULL,
    size_bytes     INTEGER NOT NULL CHECK (size_bytes > 0),
    score          DOUBLE PRECISION NOT NULL CHECK (score >= 0 AND score <= 1),
    verdict        TEXT NOT NULL CHECK (verdict IN ('authentic', 'suspicious', 'manipulated')),
    reasons        JSONB NOT NULL DEFAULT '[]'::jsonb,
    user_tier      TEXT NOT NULL CHECK (user_tier IN ('free', 'pro')),
    attempts       INTEGER NOT NULL DEFAULT 1,
    created_at     TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at     TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS analyses_user_id_idx ON analyses (user_id);

-- The outbox: the messenger (not part of this worker) sends pending rows and marks them.
-- One message per analysis, so a retried job cannot notify twice, and a messenger outage
-- loses nothing.
CREATE TABLE IF NOT EXISTS notifications (
    notification_id BIGSERIAL PRIMARY KEY,
    analysis_id     TEXT NOT NULL UNIQUE REFERENCES analyses (analysis_id) ON DELETE CASCADE,
    chat_id         BIGINT NOT NULL,
    message         TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    created_at      TIMESTAMPTZ NOT NULL DEFAULT now(),
    sent_at         TIMESTAMPTZ
);

CREATE INDEX IF NOT EXISTS notifications_pending_idx
    ON notifications (created_at) WHERE status = 'pending';
