-- Requests counted per client and window, shared by every replica of a service (processes and hosts):
-- shared/storage/rate_limits.py. UNLOGGED: counts are worth no WAL and may be lost in a crash (the
-- limit then starts afresh); rows older than two windows are deleted as the counting goes.
CREATE UNLOGGED TABLE rate_limit_counts (
    key           text        NOT NULL,
    window_start  timestamptz NOT NULL,
    count         integer     NOT NULL,
    PRIMARY KEY (key, window_start)
);
