from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower

from core.models import workspace_field
from core.public_ids import PREFIXES, PublicIdMixin
from core.scoping import WorkspaceManager

from .choices import ImportMode, ImportStatus, PersonStatus, Strength, SuppressionReason


class Company(PublicIdMixin, models.Model):
    """An organisation people work at; its owner is the user accountable for its outreaches."""

    PUBLIC_ID_PREFIX = PREFIXES["company"]

    workspace = workspace_field(db_index=False)  # Meta's indexes lead with it

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, default="")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="companies",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        verbose_name_plural = "companies"
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["workspace", "name", "id"], name="company_ws_name_id_idx"),
            models.Index(fields=["domain"], name="company_domain_idx"),
        ]

    def __str__(self) -> str:
        return self.name


class Person(PublicIdMixin, models.Model):
    """Someone we reach out to."""

    PUBLIC_ID_PREFIX = PREFIXES["person"]

    workspace = workspace_field(db_index=False)  # Meta's indexes lead with it

    first_name = models.CharField(max_length=100, blank=True, default="")
    last_name = models.CharField(max_length=100, blank=True, default="")
    title = models.CharField(max_length=200, blank=True, default="")
    company = models.ForeignKey(
        Company,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
        db_index=False,  # person_company_id_idx (company, id) serves it
    )
    email = models.CharField(max_length=254, blank=True, default="")
    email_invalid = models.BooleanField(
        default=False, help_text="Set when mail to this address bounced."
    )
    # A guess is no evidence for the pattern it came from: enrichment learns a company's address
    # pattern only from colleagues whose address was given, never inferred.
    email_inferred = models.BooleanField(
        default=False,
        editable=False,
        help_text="Set when enrichment inferred this address from the colleagues' pattern.",
    )
    phone = models.CharField(max_length=32, blank=True, default="", help_text="E.164")
    linkedin_url = models.CharField(max_length=500, blank=True, default="")
    facebook_url = models.CharField(max_length=500, blank=True, default="")
    status = models.CharField(max_length=20, choices=PersonStatus.choices, default=PersonStatus.NEW)
    strength = models.CharField(max_length=10, choices=Strength.choices, default=Strength.WEAK)
    last_contacted_at = models.DateTimeField(null=True, blank=True)
    last_replied_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = WorkspaceManager()

    class Meta:
        verbose_name_plural = "people"
        ordering = ["last_name", "first_name", "id"]
        indexes = [
            models.Index(Lower("email"), name="person_email_lower_idx"),
            models.Index(fields=["linkedin_url"], name="person_linkedin_idx"),
            models.Index(fields=["company", "id"], name="person_company_id_idx"),
            # The people lists' order (Meta.ordering): a page reads it instead of sorting all.
            models.Index(
                fields=["workspace", "last_name", "first_name", "id"], name="person_ws_name_idx"
            ),
            models.Index(fields=["status"], name="person_status_idx"),
            # The colleagues whose own addresses teach enrichment a domain's pattern, read
            # again for every chunk: all that read needs, so PostgreSQL can answer it from the
            # index alone (outreach.enrichment.local).
            models.Index(
                fields=["company", "first_name", "last_name", "email"],
                condition=models.Q(email_invalid=False, email_inferred=False) & ~models.Q(email=""),
                name="person_colleague_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.email or self.public_id

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class PeopleImport(models.Model):
    """One CSV file of people: held between its preview and its import, then what undoing the
    import needs (the people and companies it created, the fields it changed with their
    values before and after)."""

    workspace = workspace_field(db_index=False)  # Meta's index leads with it
    file_name = models.CharField(max_length=255, blank=True, default="")
    # The file's text until it is imported (the preview and the import read the same rows).
    text = models.TextField(blank=True, default="")
    mode = models.CharField(
        max_length=20, choices=ImportMode.choices, default=ImportMode.FILL_EMPTY
    )
    status = models.CharField(
        max_length=20, choices=ImportStatus.choices, default=ImportStatus.PREVIEWED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    imported_at = models.DateTimeField(null=True, blank=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    # {"people": [ids created], "companies": [ids created],
    #  "updated": {person id: {field: [before, after]}}, "domains": {company id: [before, after]}}
    undo = models.JSONField(default=dict, blank=True)

    objects = WorkspaceManager()

    class Meta:
        indexes = [models.Index(fields=["workspace", "status", "id"], name="import_ws_status_idx")]

    def __str__(self) -> str:
        return f"Import of {self.file_name or 'a file'} ({self.get_status_display().lower()})"


# The SHA-256 of an address in hex: all a suppression keeps of it.
ADDRESS_HASH_PATTERN = r"^[0-9a-f]{64}$"
MAX_SUPPRESSION_NOTE = 200


class Suppression(PublicIdMixin, models.Model):
    """An address the workspace must never contact, kept only as the SHA-256 of its stripped,
    lower-cased form: the list outlives the people it names (an erased person leaves only
    this), so it holds no address anyone could read back."""

    PUBLIC_ID_PREFIX = PREFIXES["suppression"]

    workspace = workspace_field(db_index=False)  # the constraint and indexes lead with it
    address_hash = models.CharField(
        max_length=64,
        validators=[RegexValidator(ADDRESS_HASH_PATTERN, "64 lower-case hex characters.")],
        help_text="SHA-256 of the stripped, lower-cased address, in hex.",
    )
    reason = models.CharField(
        max_length=20, choices=SuppressionReason.choices, default=SuppressionReason.MANUAL
    )
    note = models.CharField(max_length=MAX_SUPPRESSION_NOTE, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = WorkspaceManager()

    class Meta:
        ordering = ["-id"]
        constraints = [
            # One entry per address: it also serves every look-up by hash.
            models.UniqueConstraint(
                fields=["workspace", "address_hash"], name="suppression_address_once"
            )
        ]
        indexes = [
            # The list, newest first, whole or by reason.
            models.Index(fields=["workspace", "id"], name="suppression_ws_id_idx"),
            models.Index(fields=["workspace", "reason", "id"], name="suppression_ws_reason_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.address_hash[:12]}… ({self.get_reason_display().lower()})"
