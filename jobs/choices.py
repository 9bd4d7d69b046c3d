from django.db import models


class JobStage(models.TextChoices):
    APPLIED = "applied", "Applied"
    HR = "hr", "HR"
    TECH = "tech", "Tech"
    OFFER = "offer", "Offer"
    REJECTED = "rejected", "Rejected"
    DORMANT = "dormant", "Dormant"
