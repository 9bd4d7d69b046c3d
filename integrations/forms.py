from django import forms

from .webhooks.events import EVENT_TYPES

EVENT_CHOICES = [(name, name) for name in EVENT_TYPES]


class WebhookForm(forms.Form):
    """An endpoint's URL, events and (when editing) whether it is active."""

    url = forms.CharField(
        label="URL",
        max_length=2000,
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/hooks/outreach"}),
        help_text="Receives a signed JSON POST per event. Private addresses are refused.",
    )
    events = forms.MultipleChoiceField(
        choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple, label="Events"
    )
    active = forms.BooleanField(required=False, initial=True, label="Active")
