"""Dashboard forms for outreaches and sequences. They validate input; services write."""

from django import forms

from contacts.models import Company, Person
from core.batches import batch_limit, too_many_message
from core.dashboard.pickers import PickerWidget, picker_by_kind
from core.public_ids import PREFIXES, InvalidPublicId, parse_public_id, try_parse_public_id
from core.validation import HttpUrlFormField
from jobs.models import Job
from sending.models import Mailbox

from .choices import Channel, Outcome
from .models import MAX_SEQUENCE_STEPS, MAX_TEMPLATE, Outreach, Sequence
from .state_machine import DELIVERY_TRANSITIONS, PIPELINE_TRANSITIONS


class PublicIdListField(forms.Field):
    """Repeated `ids` values (`out_42`), parsed to primary keys; a malformed id is an error."""

    widget = forms.MultipleHiddenInput

    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def to_python(self, value) -> list[int]:
        values = value if isinstance(value, list | tuple) else ([value] if value else [])
        if len(values) > batch_limit():
            raise forms.ValidationError(too_many_message(len(values)))
        pks = []
        for item in values:
            try:
                pks.append(parse_public_id(self.prefix, item))
            except InvalidPublicId as exc:
                raise forms.ValidationError(str(exc)) from None
        return list(dict.fromkeys(pks))


class BatchForm(forms.Form):
    """A batch action over the selected rows, or over every row the list's filters match."""

    ASSIGN_SEQUENCE = "assign_sequence"
    START_ENRICHMENT = "start_enrichment"

    action = forms.ChoiceField(
        choices=[(ASSIGN_SEQUENCE, "Assign sequence"), (START_ENRICHMENT, "Start enrichment")]
    )
    ids = PublicIdListField(prefix="out", required=False)
    all_matching = forms.BooleanField(required=False)
    sequence = forms.ModelChoiceField(
        queryset=Sequence.objects.all(),
        required=False,
        empty_label="Choose a sequence…",
        error_messages={"invalid_choice": "That sequence no longer exists."},
    )
    # Set by the confirmation page: replace other sequences, running ones included.
    confirmed = forms.BooleanField(required=False)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == self.ASSIGN_SEQUENCE and not cleaned.get("sequence"):
            self.add_error("sequence", "Choose the sequence to assign.")
        return cleaned


def transition_label(name: str) -> str:
    return TRANSITION_LABELS.get(name, name.replace("_", " ").capitalize())


TRANSITION_LABELS = {
    "run": "Mark running",
    "perform": "Mark performed",
    "fail": "Mark failed",
    "abort": "Abort delivery",
    "cancel": "Cancel delivery",
    "retry": "Retry delivery",
    "wait": "Wait for reply",
}


class TransitionForm(forms.Form):
    transition = forms.ChoiceField(
        choices=[(name, name) for name in (*PIPELINE_TRANSITIONS, *DELIVERY_TRANSITIONS)],
        error_messages={"invalid_choice": "%(value)s is not a transition of an outreach."},
    )
    reason = forms.CharField(
        required=False,
        max_length=1000,
        label="Reason (optional)",
        help_text="Kept in the history with the change.",
        widget=forms.TextInput(),
    )
    until = forms.DateTimeField(
        required=False,
        label="Pause until (optional, UTC)",
        help_text="For Pause: the sequence goes on by itself then. Empty: until resumed.",
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )


class OutreachQuickUpdateForm(forms.ModelForm):
    """The fields people change most from the detail page: outcome, approval, sequence."""

    class Meta:
        model = Outreach
        fields = ["outcome", "approved", "sequence"]
        labels = {"approved": "Approved to start", "outcome": "Outcome"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = Outcome.choices
        self.fields["sequence"].empty_label = "No sequence"


class SequenceForm(forms.ModelForm):
    class Meta:
        model = Sequence
        fields = ["name", "description", "active", "exclusive", "stop_on_company_reply"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}
        labels = {
            "exclusive": "Exclusive",
            "stop_on_company_reply": "Stop when the company replies",
        }
        help_texts = {
            "active": "Inactive sequences stay on their outreaches but are not offered.",
            "exclusive": "A person runs at most one exclusive sequence at a time: starting a "
            "second one for them is refused until the first is finished.",
            "stop_on_company_reply": "When someone at a company replies, this sequence "
            "finishes for their colleagues at the same company.",
        }


class SequencePreviewForm(forms.Form):
    """Whom to preview a sequence for (a person picked by name) and the mailbox it is from."""

    person_id = forms.CharField(label="Person", max_length=40)
    mailbox = forms.ModelChoiceField(
        queryset=Mailbox.objects.none(),
        required=False,
        empty_label="Your first active mailbox",
        label="From",
        error_messages={"invalid_choice": "That mailbox no longer exists."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person_id"].widget = PickerWidget(picker_by_kind("person"))
        self.fields["mailbox"].queryset = Mailbox.objects.order_by("name", "id")

    def clean_person_id(self) -> Person:
        value = self.cleaned_data["person_id"]
        pk = try_parse_public_id(PREFIXES["person"], value)
        person = Person.objects.select_related("company").filter(pk=pk).first() if pk else None
        if person is None:
            raise forms.ValidationError("Pick a person of this workspace.")
        return person


class SequenceStepForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices, initial=Channel.EMAIL)
    delay_days = forms.IntegerField(min_value=0, max_value=365, initial=0, label="Delay (days)")
    subject_template = forms.CharField(required=False, max_length=300, label="Subject")
    body_template = forms.CharField(
        required=False,
        max_length=MAX_TEMPLATE,
        label="Body",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


SequenceStepFormSet = forms.formset_factory(
    SequenceStepForm, extra=1, can_delete=True, max_num=MAX_SEQUENCE_STEPS, validate_max=True
)


class OutreachMailboxForm(forms.Form):
    """The mailbox an outreach's sequence sends through (the workspace's mailboxes)."""

    mailbox = forms.ModelChoiceField(
        queryset=Mailbox.objects.none(),
        required=False,
        empty_label="None (the owner's first active mailbox at start)",
        label="Sends through",
        error_messages={"invalid_choice": "That mailbox no longer exists."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["mailbox"]
        field.queryset = Mailbox.objects.order_by("name", "id")
        field.label_from_instance = lambda box: (
            f"{box.name} · {box.from_email}" + ("" if box.active else " (paused)")
        )


class OutreachForm(forms.ModelForm):
    """Record or edit an outreach by hand. State fields are absent: they change by transitions."""

    class Meta:
        model = Outreach
        fields = [
            "person",
            "company",
            "job",
            "sequence",
            "tag",
            "channel",
            "outreach_type",
            "context",
            "message_type",
            "direction",
            "personalization_score",
            "skip_repliers",
            "approved",
            "subject",
            "body_type",
            "body",
            "sent_at",
            "screenshot_url",
            "message_id",
            "reply_to_message_id",
            "outcome",
            "error_description",
        ]
        labels = {
            "outreach_type": "Type",
            "personalization_score": "Personalization (0–100)",
            "approved": "Approved to start",
            "sent_at": "Sent at (UTC)",
            "screenshot_url": "Screenshot URL",
            "message_id": "Message id",
            "reply_to_message_id": "Reply to message id",
        }
        help_texts = {
            "company": "Left empty, it becomes the person's company.",
            "outreach_type": "Implies the channel (GMail, Postmark → email; LinkedIn_*; …).",
            "sent_at": "Recording a sent outreach schedules its first follow-up.",
            "message_id": "Only for GMail and Postmark messages.",
        }
        widgets = {
            "sent_at": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
            "body": forms.Textarea(attrs={"rows": 8}),
            "error_description": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fields = self.fields
        fields["person"].queryset = Person.objects.order_by("last_name", "first_name", "id")
        fields["company"].queryset = Company.objects.order_by("name", "id")
        fields["job"].queryset = Job.objects.order_by("title", "id")
        fields["sequence"].queryset = Sequence.objects.order_by("name")
        for name in ("person", "company", "job", "sequence", "tag"):
            fields[name].empty_label = "None"
        fields["outreach_type"].choices = [("", "None"), *fields["outreach_type"].choices[1:]]
        fields["screenshot_url"] = HttpUrlFormField(
            required=False, max_length=2000, assume_scheme="https", label="Screenshot URL"
        )
