"""The event types an endpoint may subscribe to."""

OUTREACH_CREATED = "outreach.created"
OUTREACH_UPDATED = "outreach.updated"
OUTREACH_DELETED = "outreach.deleted"
OUTREACH_TRANSITIONED = "outreach.transitioned"
MESSAGE_SENT = "message.sent"
MESSAGE_FAILED = "message.failed"
REPLY_RECEIVED = "reply.received"
PERSON_OPTED_OUT = "person.opted_out"
ENRICHMENT_BATCH_FINISHED = "enrichment.batch.finished"

EVENT_TYPES = (
    OUTREACH_CREATED,
    OUTREACH_UPDATED,
    OUTREACH_DELETED,
    OUTREACH_TRANSITIONED,
    MESSAGE_SENT,
    MESSAGE_FAILED,
    REPLY_RECEIVED,
    PERSON_OPTED_OUT,
    ENRICHMENT_BATCH_FINISHED,
)

# Sent only by "send test" to the one endpoint asked; nobody subscribes to it.
TEST = "webhook.test"
