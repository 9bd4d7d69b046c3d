"""Dashboard forms for follow-ups."""

from django import forms

from .choices import FollowUpStatus


class FollowUpStatusForm(forms.Form):
    """One click on the queue: mark a follow-up done or skipped (or reopen it)."""

    status = forms.ChoiceField(
        choices=[
            (FollowUpStatus.DONE, "Done"),
            (FollowUpStatus.SKIPPED, "Skip"),
            (FollowUpStatus.PENDING, "Reopen"),
        ]
    )
