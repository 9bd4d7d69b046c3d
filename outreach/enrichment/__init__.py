"""Enrichment: find and check each outreach's address on its channel, in the background.

`providers` is the interface and `local` the built-in offline provider (with `patterns`, the
email-pattern inference); `batches` opens a batch and queues its work on commit; `engine` works
a chunk set-based and recovers work a crashed worker left behind. Tasks live in
`outreach/tasks.py`; `manage.py enrich` runs the same work in the foreground.
"""
