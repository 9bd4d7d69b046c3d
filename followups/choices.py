from django.db import models


class FollowUpKind(models.TextChoices):
    FOLLOW_UP = "follow_up", "Follow up"
    RESPOND = "respond", "Respond"
    # A sequence step on a channel the engine cannot send (a call, a LinkedIn message): the
    # sequence goes on when it is done or skipped.
    STEP = "step", "Sequence step"


class FollowUpStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    DONE = "done", "Done"
    SKIPPED = "skipped", "Skipped"
    CANCELED = "canceled", "Canceled"


OPEN_STATUSES = (FollowUpStatus.PENDING,)

# Following up on a sent outreach stops after this attempt.
LAST_ATTEMPT = 2
