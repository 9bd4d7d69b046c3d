"""Signed webhooks: endpoints, the outbox of events, and their delivery (Standard Webhooks)."""
