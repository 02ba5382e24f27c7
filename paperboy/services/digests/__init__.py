"""Digests and saved-search alerts: editions, subscriptions, and sending them through the ledger."""
