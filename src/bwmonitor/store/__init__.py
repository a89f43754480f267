"""The local store: fetched tables, the snapshot, the baseline, the lock."""
