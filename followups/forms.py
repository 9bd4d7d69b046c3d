"""Dashboard forms for follow-ups."""

from django import forms

from outreach.choices import Outcome

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


class LogOutcomeForm(forms.Form):
    """One click on a stale outreach: record how it went."""

    outcome = forms.ChoiceField(
        choices=[(value, label) for value, label in Outcome.choices if value != Outcome.NONE]
    )


class StaleHoursForm(forms.Form):
    hours = forms.IntegerField(min_value=1, max_value=24 * 365, required=False)
