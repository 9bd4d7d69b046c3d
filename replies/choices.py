"""The enum values of replies: what an inbound message is, and how a bounce failed."""

from django.db import models


class Classification(models.TextChoices):
    REPLY = "reply", "Reply"
    BOUNCE = "bounce", "Bounce"
    AUTO_REPLY = "auto_reply", "Automatic reply"
    UNSUBSCRIBE = "unsubscribe", "Unsubscribe request"
    UNMATCHED = "unmatched", "Unmatched"


class BounceKind(models.TextChoices):
    HARD = "hard", "Hard (permanent, 5.x.x)"
    SOFT = "soft", "Soft (transient, 4.x.x)"


# An automatic answer with no return date in it pauses the outreach this long.
DEFAULT_AUTO_REPLY_PAUSE_DAYS = 7
# A return date further away than this is a misreading (or a sabbatical): the pause ends here.
MAX_AUTO_REPLY_PAUSE_DAYS = 365
# The longest subject and address kept (longer ones are cut, never refused).
MAX_SUBJECT = 998
MAX_ADDRESS = 254
MAX_HEADER = 2000
