from django import forms

from workspaces.selectors import member_name, members_in_scope

from . import choices
from .choices import MailboxKind, Security

TIME_INPUT = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


class MailboxForm(forms.Form):
    """A mailbox's settings. Password boxes start empty: on an existing mailbox, empty keeps
    the stored password."""

    name = forms.CharField(max_length=100, help_text="For you, e.g. “Ada — work”.")
    from_name = forms.CharField(max_length=100, required=False, label="From name")
    from_email = forms.EmailField(max_length=254, label="From address")
    kind = forms.ChoiceField(
        choices=MailboxKind.choices,
        initial=MailboxKind.LOCAL,
        help_text="Local builds and stores every message and sends nothing.",
    )
    owner = forms.ModelChoiceField(queryset=None, required=False, empty_label="You")
    smtp_host = forms.CharField(max_length=255, required=False, label="SMTP host")
    smtp_port = forms.IntegerField(
        min_value=1, max_value=65535, initial=choices.DEFAULT_SMTP_PORT, label="SMTP port"
    )
    smtp_security = forms.ChoiceField(
        choices=Security.choices, initial=Security.STARTTLS, label="SMTP security"
    )
    smtp_username = forms.CharField(max_length=255, required=False, label="SMTP username")
    smtp_password = forms.CharField(
        max_length=500,
        required=False,
        strip=False,
        label="SMTP password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    imap_host = forms.CharField(max_length=255, required=False, label="IMAP host")
    imap_port = forms.IntegerField(
        min_value=1, max_value=65535, initial=choices.DEFAULT_IMAP_PORT, label="IMAP port"
    )
    imap_security = forms.ChoiceField(
        choices=Security.choices, initial=Security.SSL, label="IMAP security"
    )
    imap_username = forms.CharField(max_length=255, required=False, label="IMAP username")
    imap_password = forms.CharField(
        max_length=500,
        required=False,
        strip=False,
        label="IMAP password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    imap_folder = forms.CharField(
        max_length=255, initial=choices.DEFAULT_IMAP_FOLDER, label="IMAP folder"
    )
    daily_limit = forms.IntegerField(
        min_value=1,
        max_value=choices.MAX_DAILY_LIMIT,
        initial=choices.DEFAULT_DAILY_LIMIT,
        help_text="At most this many messages in any 24 hours.",
    )
    min_interval_seconds = forms.IntegerField(
        min_value=0,
        max_value=choices.MAX_MIN_INTERVAL_SECONDS,
        initial=choices.DEFAULT_MIN_INTERVAL_SECONDS,
        label="Seconds between messages",
    )
    window_days = forms.MultipleChoiceField(
        choices=choices.WEEKDAY_CHOICES,
        initial=choices.default_window_days,
        widget=forms.CheckboxSelectMultiple,
        label="Sending days",
    )
    window_start = forms.TimeField(
        initial=choices.DEFAULT_WINDOW_START, widget=TIME_INPUT, label="Window starts"
    )
    window_end = forms.TimeField(
        initial=choices.DEFAULT_WINDOW_END, widget=TIME_INPUT, label="Window ends"
    )
    time_zone = forms.CharField(
        max_length=64,
        initial=choices.DEFAULT_TIME_ZONE,
        help_text="An IANA name, e.g. Europe/Berlin.",
    )
    signature = forms.CharField(
        max_length=choices.MAX_SIGNATURE,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Added under every message.",
    )
    active = forms.BooleanField(required=False, initial=True)

    GROUPS = (
        ("Sender", ("name", "from_name", "from_email", "kind", "owner", "signature", "active")),
        (
            "Sending server (SMTP)",
            ("smtp_host", "smtp_port", "smtp_security", "smtp_username", "smtp_password"),
        ),
        (
            "Replies (IMAP)",
            (
                "imap_host",
                "imap_port",
                "imap_security",
                "imap_username",
                "imap_password",
                "imap_folder",
            ),
        ),
        (
            "Limits and window",
            (
                "daily_limit",
                "min_interval_seconds",
                "window_days",
                "window_start",
                "window_end",
                "time_zone",
            ),
        ),
    )

    def __init__(self, *args, editing: bool = False, may_choose_owner: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if may_choose_owner:
            self.fields["owner"].queryset = members_in_scope()
            self.fields["owner"].label_from_instance = member_name
        else:
            del self.fields["owner"]
        if editing:
            for name in ("smtp_password", "imap_password"):
                self.fields[name].help_text = "Set. Leave empty to keep it."
        else:
            del self.fields["active"]

    def groups(self):
        """(heading, bound fields) for each section of the form."""
        return [
            (heading, [self[name] for name in names if name in self.fields])
            for heading, names in self.GROUPS
        ]

    def values(self, *, changed_only: bool) -> dict:
        """What to hand the service: every value (a new mailbox) or the changed ones; empty
        password boxes are left out (they keep the stored password)."""
        names = self.changed_data if changed_only else list(self.cleaned_data)
        values = {name: self.cleaned_data[name] for name in names if name in self.cleaned_data}
        for name in ("smtp_password", "imap_password"):
            if not values.get(name):
                values.pop(name, None)
        if not values.get("owner"):
            values.pop("owner", None)
        return values
