"""State and time: the store, the state file, snapshots, outbox, clock, ids and journal."""
