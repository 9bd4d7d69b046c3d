"""Admin for outreaches, their history, sequences and tags.

State fields are read-only here: staff move outreaches with the transition actions, which run
the same services as the API and so write the same history rows.
"""

from collections import defaultdict

from django.contrib import admin, messages
from django.db import models

from core.admin import PublicIdAdminMixin, SearchMixin, ServiceAdminMixin, WorkspaceAdminMixin
from core.batches import batch_limit
from core.errors import DomainError
from core.public_ids import PREFIXES, format_public_id, try_parse_public_id

from .choices import DeliveryStatus, PipelineState
from .forms import transition_label
from .models import (
    MAX_SEQUENCE_STEPS,
    Outreach,
    OutreachTransition,
    Sequence,
    SequenceStep,
    Tag,
)
from .services.batches import outreaches_batch_apply
from .services.outreaches import (
    outreach_create,
    outreach_delete,
    outreach_update,
)
from .services.sequences import (
    sequence_create,
    sequence_delete,
    sequence_replace_steps,
    sequence_update,
    tag_create,
    tag_delete,
    tag_update,
)
from .state_machine import (
    DELIVERY_TRANSITIONS,
    PIPELINE_TRANSITIONS,
    TransitionSpec,
    transition_spec,
)

# Stored in each history row the admin writes, so the timeline tells admin moves apart.
ADMIN_METADATA = {"source": "admin"}
# How many skipped ids a message quotes per reason.
SKIPPED_EXAMPLES = 3


def _transition_action(name: str):
    """An admin action for one transition of the table, named after it."""
    spec = transition_spec(name)

    def action(modeladmin, request, queryset):
        modeladmin.run_transition(request, queryset, spec)

    action.__name__ = name
    description = f"{transition_label(name)} ({spec.describe_sources()} → '{spec.target}')"
    return admin.action(description=description, permissions=["change"])(action)


class OutreachTransitionInline(admin.TabularInline):
    """The outreach's history, oldest first; nobody edits it."""

    model = OutreachTransition
    fields = ("created_at", "field", "transition", "from_state", "to_state", "actor", "metadata")
    readonly_fields = fields
    ordering = ("id",)
    extra = 0
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("actor")

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Outreach)
class OutreachAdmin(WorkspaceAdminMixin, PublicIdAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = (
        "public_id",
        "person",
        "company",
        "channel",
        "current_state",
        "delivery_status",
        "outcome",
        "sequence",
        "tag",
        "approved",
        "created_at",
    )
    list_select_related = ("person", "company", "sequence", "tag")
    list_filter = (
        "current_state",
        "delivery_status",
        "channel",
        "outcome",
        "approved",
        "outreach_type",
        "context",
        "tag",
        ("sequence", admin.EmptyFieldListFilter),
        ("job", admin.EmptyFieldListFilter),
    )
    search_fields = (
        "person__first_name",
        "person__last_name",
        "person__email",
        "company__name",
        "sequence__name",
    )
    search_help_text = "Person's name or email, company, sequence, or an id like out_42."
    autocomplete_fields = ("person", "company", "job", "sequence", "tag")
    fieldsets = (
        (None, {"fields": ("person", "company", "job", "sequence", "tag", "owner")}),
        (
            "State",
            {
                "description": "Changed only by the transition actions of the outreach list.",
                "fields": ("current_state", "delivery_status", "done_time"),
            },
        ),
        (
            "Message",
            {
                "fields": (
                    "channel",
                    "outreach_type",
                    "direction",
                    "context",
                    "message_type",
                    "subject",
                    "body",
                    "body_type",
                    "personalization_score",
                    "approved",
                    "skip_repliers",
                    "message_id",
                    "reply_to_message_id",
                    "screenshot_url",
                )
            },
        ),
        ("Result", {"fields": ("outcome", "sent_at", "error_description")}),
        ("Record", {"fields": ("created_by", "created_at", "updated_at")}),
    )
    readonly_fields = (
        "owner",
        "current_state",
        "delivery_status",
        "done_time",
        "created_by",
        "created_at",
        "updated_at",
    )
    inlines = (OutreachTransitionInline,)
    # Staff type `acme.com/jobs`; links are https nowadays.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = [_transition_action(name) for name in PIPELINE_TRANSITIONS]
    show_full_result_count = False

    @admin.display(description="owner")
    def owner(self, obj) -> str:
        owner = obj.company.owner if obj.company_id else None
        return (owner.get_full_name() or owner.get_username()) if owner else "-"

    def get_deleted_objects(self, objs, request):
        deleted, counts, perms_needed, protected = super().get_deleted_objects(objs, request)
        # The history goes with its outreach, though nobody may delete rows of it by hand.
        perms_needed.discard(OutreachTransition._meta.verbose_name)
        return deleted, counts, perms_needed, protected

    def service_create(self, request, values):
        return outreach_create(actor=request.user, **values)

    def service_update(self, request, obj, changes):
        return outreach_update(outreach=obj, actor=request.user, **changes)

    def service_delete(self, request, obj):
        outreach_delete(outreach=obj, actor=request.user)

    def run_transition(self, request, queryset, spec: TransitionSpec) -> None:
        """Run one transition on the selected outreaches and say what moved and what not."""
        label = transition_label(spec.name)
        ids = list(queryset.order_by("pk").values_list("pk", flat=True)[: batch_limit() + 1])
        try:
            result = outreaches_batch_apply(
                ids=ids, name=spec.name, actor=request.user, metadata=ADMIN_METADATA
            )
        except DomainError as exc:
            self.message_user(request, f"{label}: {exc.message}", messages.ERROR)
            return
        moved = result.success_count
        self.message_user(
            request,
            f"{label}: {moved} outreach{'' if moved == 1 else 'es'} moved to "
            f"{PipelineState(spec.target).label}.",
            messages.SUCCESS if moved else messages.INFO,
        )
        skipped: dict[str, list[str]] = defaultdict(list)
        for row in result.skipped:
            skipped[row["reason"]].append(row["id"])
        if skipped:
            total = sum(len(ids) for ids in skipped.values())
            reasons = "; ".join(
                f"{len(ids)} because {reason.rstrip('.')} ({_examples(ids)})"
                for reason, ids in skipped.items()
            )
            self.message_user(request, f"{label}: {total} skipped: {reasons}.", messages.WARNING)


def _examples(ids: list[str]) -> str:
    shown = ", ".join(ids[:SKIPPED_EXAMPLES])
    return shown + (
        f" and {len(ids) - SKIPPED_EXAMPLES} more" if len(ids) > SKIPPED_EXAMPLES else ""
    )


class TransitionNameFilter(admin.SimpleListFilter):
    """Choices read from the transition table, not by scanning millions of history rows."""

    title = "transition"
    parameter_name = "transition"

    def lookups(self, request, model_admin):
        return [(name, name) for name in (*PIPELINE_TRANSITIONS, *DELIVERY_TRANSITIONS)]

    def queryset(self, request, queryset):
        return queryset.filter(transition=self.value()) if self.value() else queryset


class ToStateFilter(admin.SimpleListFilter):
    """The states of both machines, from their choices rather than the rows."""

    title = "to state"
    parameter_name = "to_state"

    def lookups(self, request, model_admin):
        return [*PipelineState.choices, *DeliveryStatus.choices]

    def queryset(self, request, queryset):
        return queryset.filter(to_state=self.value()) if self.value() else queryset


@admin.register(OutreachTransition)
class OutreachTransitionAdmin(SearchMixin, admin.ModelAdmin):
    """The audit trail across outreaches; read-only."""

    list_display = (
        "id",
        "outreach_public_id",
        "field",
        "transition",
        "from_state",
        "to_state",
        "actor",
        "created_at",
    )
    list_select_related = ("actor",)
    list_filter = ("field", TransitionNameFilter, ToStateFilter, "created_at")
    # Newest first, on the primary key: ordering by outreach would join and sort every row.
    ordering = ("-id",)
    search_fields = ("transition", "actor__username")
    search_help_text = "Transition name, actor's username, or an outreach id like out_42."
    raw_id_fields = ("outreach", "actor")
    show_full_result_count = False

    @admin.display(description="outreach", ordering="outreach_id")
    def outreach_public_id(self, obj) -> str:
        return format_public_id(PREFIXES["outreach"], obj.outreach_id)

    def get_search_results(self, request, queryset, search_term):
        outreach_pk = try_parse_public_id(PREFIXES["outreach"], search_term)
        if outreach_pk is not None:
            return queryset.filter(outreach_id=outreach_pk), False
        return super().get_search_results(request, queryset, search_term)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


STEP_FIELDS = ("channel", "delay_days", "subject_template", "body_template")


class SequenceStepInline(admin.TabularInline):
    model = SequenceStep
    fields = ("position", "channel", "delay_days", "subject_template", "body_template")
    ordering = ("position",)
    extra = 0
    max_num = MAX_SEQUENCE_STEPS


@admin.register(Sequence)
class SequenceAdmin(WorkspaceAdminMixin, PublicIdAdminMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("public_id", "name", "active", "created_at", "updated_at")
    list_filter = ("active",)
    search_fields = ("name", "description")
    search_help_text = "Name, description, or an id like seq_42."
    fields = ("name", "description", "active", "created_at", "updated_at")
    readonly_fields = ("created_at", "updated_at")
    inlines = (SequenceStepInline,)

    def service_create(self, request, values):
        return sequence_create(actor=request.user, **values)

    def service_update(self, request, obj, changes):
        # Steps come with the inline, saved in save_formset below.
        return sequence_update(sequence=obj, actor=request.user, **changes)

    def save_formset(self, request, form, formset, change):
        """The steps are written by the sequence service, in the order of their positions."""
        if formset.model is not SequenceStep:
            return super().save_formset(request, form, formset, change)
        kept = [
            f.cleaned_data
            for f in formset.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]
        kept.sort(key=lambda data: data["position"])
        steps = [{name: data[name] for name in STEP_FIELDS} for data in kept]
        sequence_replace_steps(sequence=form.instance, steps=steps)
        formset.new_objects = formset.changed_objects = formset.deleted_objects = []
        return None

    def service_delete(self, request, obj):
        sequence_delete(sequence=obj, actor=request.user)


@admin.register(Tag)
class TagAdmin(WorkspaceAdminMixin, SearchMixin, ServiceAdminMixin, admin.ModelAdmin):
    list_display = ("name", "created_at")
    search_fields = ("name",)
    fields = ("name", "created_at")
    readonly_fields = ("created_at",)

    def service_create(self, request, values):
        return tag_create(actor=request.user, **values)

    def service_update(self, request, obj, changes):
        return tag_update(tag=obj, actor=request.user, **changes)

    def service_delete(self, request, obj):
        tag_delete(tag=obj, actor=request.user)
