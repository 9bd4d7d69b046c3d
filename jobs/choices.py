from django.db import models


class JobStage(models.TextChoices):
    APPLIED = "applied", "Applied"
    HR = "hr", "HR"
    TECH = "tech", "Tech"
    OFFER = "offer", "Offer"
    REJECTED = "rejected", "Rejected"
    DORMANT = "dormant", "Dormant"


# Jobs whose outreaches no longer need following up.
CLOSED_JOB_STAGES = (JobStage.REJECTED, JobStage.DORMANT)
# After the last follow-up attempt, a job with no activity for this long is a dormant candidate.
DORMANT_AFTER_DAYS = 7
