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


# The statuses a reply leaves a person in (a "no" is a reply too).
REPLIED_STATUSES = (PersonStatus.REPLIED, PersonStatus.INTERESTED, PersonStatus.NOT_INTERESTED)
