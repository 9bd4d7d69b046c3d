from django.db import models


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    PHONE = "phone", "Phone"
    LINKEDIN = "linkedin", "LinkedIn"
    FACEBOOK = "facebook", "Facebook"
    OTHER = "other", "Other"


class OutreachType(models.TextChoices):
    """The MassProspecting-compatible outreach types, in their documented spelling."""

    FACEBOOK_DIRECT_MESSAGE = "Facebook_DirectMessage", "Facebook direct message"
    FACEBOOK_FRIEND_REQUEST = "Facebook_FriendRequest", "Facebook friend request"
    GMAIL_DIRECT_MESSAGE = "GMail_DirectMessage", "GMail direct message"
    LINKEDIN_CONNECTION_REQUEST = "LinkedIn_ConnectionRequest", "LinkedIn connection request"
    LINKEDIN_DIRECT_MESSAGE = "LinkedIn_DirectMessage", "LinkedIn direct message"
    POSTMARK_DIRECT_MESSAGE = "Postmark_DirectMessage", "Postmark direct message"


# Each outreach type implies its channel.
OUTREACH_TYPE_CHANNEL = {
    OutreachType.FACEBOOK_DIRECT_MESSAGE: Channel.FACEBOOK,
    OutreachType.FACEBOOK_FRIEND_REQUEST: Channel.FACEBOOK,
    OutreachType.GMAIL_DIRECT_MESSAGE: Channel.EMAIL,
    OutreachType.LINKEDIN_CONNECTION_REQUEST: Channel.LINKEDIN,
    OutreachType.LINKEDIN_DIRECT_MESSAGE: Channel.LINKEDIN,
    OutreachType.POSTMARK_DIRECT_MESSAGE: Channel.EMAIL,
}

# Only mail sent through a mail transfer agent has message ids.
MESSAGE_ID_OUTREACH_TYPES = {
    OutreachType.GMAIL_DIRECT_MESSAGE,
    OutreachType.POSTMARK_DIRECT_MESSAGE,
}


class PipelineState(models.TextChoices):
    NEW = "new", "New"
    ENRICHMENT = "enrichment", "Enrichment"
    READY = "ready", "Ready"
    NOT_AVAILABLE = "not_available", "Not available"
    STARTING = "starting", "Starting"
    WAITING = "waiting", "Waiting"
    PAUSED = "paused", "Paused"
    FINISHED = "finished", "Finished"


# The states of an outreach whose sequence is running (the engine sends its due steps unless
# it is paused).
RUNNING_STATES = (PipelineState.STARTING, PipelineState.WAITING, PipelineState.PAUSED)
SENDING_STATES = (PipelineState.STARTING, PipelineState.WAITING)


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    RUNNING = "running", "Running"
    PERFORMED = "performed", "Performed"
    FAILED = "failed", "Failed"
    ABORTED = "aborted", "Aborted"
    CANCELED = "canceled", "Canceled"


class Outcome(models.TextChoices):
    NONE = "none", "None"
    NO_RESPONSE = "no_response", "No response"
    REPLIED = "replied", "Replied"
    POSITIVE = "positive", "Positive"
    NEGATIVE = "negative", "Negative"
    BOUNCED = "bounced", "Bounced"
    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"


# Outcomes that still call for following up.
UNRESOLVED_OUTCOMES = (Outcome.NONE, Outcome.NO_RESPONSE)
# Outcomes that mean the person answered (a "no" is an answer too).
REPLY_OUTCOMES = (Outcome.REPLIED, Outcome.POSITIVE, Outcome.NEGATIVE)


class Context(models.TextChoices):
    JOB_OPPORTUNITY = "job_opportunity", "Job opportunity"
    CODE_REVIEW = "code_review", "Code review"
    CHECK_IN = "check_in", "Check-in"
    REFERRAL_REQUEST = "referral_request", "Referral request"
    SALES = "sales", "Sales"
    OTHER = "other", "Other"


class SkipRepliers(models.TextChoices):
    GLOBAL = "global", "Global"
    TAG_ONLY = "tag_only", "Tag only"
    NONE = "none", "None"


class Direction(models.TextChoices):
    OUTGOING = "outgoing", "Outgoing"
    INCOMING = "incoming", "Incoming"
    ACCEPTED = "accepted", "Accepted"


class BodyType(models.TextChoices):
    PLAIN = "plain", "Plain text"
    HTML = "html", "HTML"


class HistoryField(models.TextChoices):
    """Which state machine a history row belongs to."""

    PIPELINE = "current_state", "Pipeline"
    DELIVERY = "delivery_status", "Delivery"
