"""Every write to outreaches, sequences and tags, by concern.

Import the module you need (`from outreach.services import outreaches`); this package
re-exports nothing, so importing one concern never drags in the others (the enrichment engine
uses `transitions`, which the enrichment service builds on in turn).

- transitions: the primitive — lock, check, move, write history; one at a time or set-based.
- effects: what sending and outcomes do to people, follow-ups and job heat.
- delivery: the delivery status (and the contact check before `start` and `run`).
- enrichment: entering `enrichment` opens a batch and queues its work; requeueing lost work.
- outreaches: create, update, delete, and any single transition with its effects.
- batches: set-based assignments and transitions over many outreaches.
- sequences: sequences and their steps, and tags.
- sort_keys: the one writer of the list's sort-key columns.
"""
