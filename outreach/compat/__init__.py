"""The MassProspecting-compatible API: `/ajax/outreach/*.json` and `/api1.0/outreach/*.json`.

A thin adapter: it reads that system's request bodies, maps its field names onto the canonical
outreach serializer (`status` is our `delivery_status`), calls the same services as `/api`, and
answers in that system's envelope. No rule is checked here that `/api` does not check too.
"""
