from django.db import models


class PersonStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    REPLIED = "replied", "Replied"
    INTERESTED = "interested", "Interested"
    NOT_INTERESTED = "not_interested", "Not interested"
    DO_NOT_CONTACT = "do_not_contact", "Do not contact"


class Strength(models.TextChoices):
    WEAK = "weak", "Weak"
    MEDIUM = "medium", "Medium"
    STRONG = "strong", "Strong"


class SuppressionReason(models.TextChoices):
    """Why an address is on the workspace's suppression list."""

    UNSUBSCRIBED = "unsubscribed", "Unsubscribed"
    BOUNCED = "bounced", "Bounced"
    COMPLAINT = "complaint", "Complaint"
    MANUAL = "manual", "Manual"


# The statuses a reply leaves a person in (a "no" is a reply too).
REPLIED_STATUSES = (PersonStatus.REPLIED, PersonStatus.INTERESTED, PersonStatus.NOT_INTERESTED)


class ImportMode(models.TextChoices):
    """What an import does to a person already here (matched by email, then LinkedIn URL)."""

    CREATE_ONLY = "create_only", "Create only"
    FILL_EMPTY = "fill_empty", "Update empty fields only"
    OVERWRITE = "overwrite", "Overwrite"


class ImportStatus(models.TextChoices):
    PREVIEWED = "previewed", "Previewed"
    IMPORTED = "imported", "Imported"
    UNDONE = "undone", "Undone"
