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


# What logging each outcome from the queue does, said where it is chosen.
OUTCOME_CHOICE_LABELS = {
    Outcome.NO_RESPONSE: "No response yet: follow up again",
    Outcome.REPLIED: "Replied",
    Outcome.POSITIVE: "Replied, interested",
    Outcome.NEGATIVE: "Replied, not interested",
    Outcome.BOUNCED: "Bounced",
    Outcome.UNSUBSCRIBED: "Unsubscribed",
}


class LogOutcomeForm(forms.Form):
    """One click on a stale outreach: record how it went.

    No response is chosen first: it is what most outreaches that went quiet come to, and
    logging it schedules the next attempt, so one click per row clears the list."""

    DEFAULT = Outcome.NO_RESPONSE

    outcome = forms.ChoiceField(choices=list(OUTCOME_CHOICE_LABELS.items()), initial=DEFAULT)


class StaleHoursForm(forms.Form):
    hours = forms.IntegerField(min_value=1, max_value=24 * 365, required=False)
