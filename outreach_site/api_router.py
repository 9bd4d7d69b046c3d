from rest_framework.routers import SimpleRouter

from contacts.api.views import CompanyViewSet, PersonViewSet, SuppressionViewSet
from followups.api.views import FollowUpViewSet
from integrations.api.views import WebhookViewSet
from jobs.api.views import JobViewSet
from outreach.api.enrichment import EnrichmentBatchViewSet
from outreach.api.views import OutreachViewSet, SequenceViewSet, TagViewSet
from replies.api.views import InboundMessageViewSet
from sending.api.views import (
    DkimKeyViewSet,
    MailboxViewSet,
    MessageViewSet,
    OutreachMessagesViewSet,
)
from workspaces.api.views import AuditViewSet, UserViewSet

# The REST contract writes paths without a trailing slash; both forms are accepted.
router = SimpleRouter()
router.trailing_slash = "/?"
# Before the outreaches, whose detail routes would otherwise read "messages" as an action.
router.register(
    r"outreaches/(?P<outreach_id>[^/]+)/messages",
    OutreachMessagesViewSet,
    basename="outreach-message",
)
router.register("outreaches", OutreachViewSet, basename="outreach")
router.register("people", PersonViewSet, basename="person")
router.register("companies", CompanyViewSet, basename="company")
router.register("sequences", SequenceViewSet, basename="sequence")
router.register("tags", TagViewSet, basename="tag")
router.register("jobs", JobViewSet, basename="job")
router.register("followups", FollowUpViewSet, basename="followup")
router.register("users", UserViewSet, basename="user")
router.register("enrichment_batches", EnrichmentBatchViewSet, basename="enrichment_batch")
router.register("audit", AuditViewSet, basename="audit")
router.register("webhooks", WebhookViewSet, basename="webhook")
router.register("mailboxes", MailboxViewSet, basename="mailbox")
router.register("messages", MessageViewSet, basename="message")
router.register("inbound", InboundMessageViewSet, basename="inbound")
router.register("dkim_key", DkimKeyViewSet, basename="dkim-key")
router.register("suppressions", SuppressionViewSet, basename="suppression")
