"""Dashboard forms of the members and audit pages. They validate input; services write."""

import django_filters
from django import forms

from core.filters import FilterSet

from .choices import AuditAction, Role
from .models import AuditEntry
from .selectors import members


class MemberCreateForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(
        widget=forms.PasswordInput(render_value=False),
        help_text="They sign in with it; at least 8 characters, not a common one.",
    )
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REP)


class InviteForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, initial=Role.REP)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class InviteAcceptForm(forms.Form):
    username = forms.CharField(max_length=150)
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    password = forms.CharField(widget=forms.PasswordInput)
    password_again = forms.CharField(widget=forms.PasswordInput, label="Password again")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password") != cleaned.get("password_again"):
            self.add_error("password_again", "The two passwords differ.")
        return cleaned


class AuditFilterSet(FilterSet):
    """The audit page's filters: who, which object, what, since when."""

    actor = django_filters.ChoiceFilter(field_name="actor_id", label="Actor", choices=[])
    object_id = django_filters.CharFilter(label="Object id", lookup_expr="exact")
    action = django_filters.ChoiceFilter(choices=AuditAction.choices)
    since = django_filters.DateFilter(
        field_name="created_at", lookup_expr="date__gte", label="Since"
    )

    class Meta:
        model = AuditEntry
        fields = ["actor", "object_id", "action", "since"]

    def __init__(self, *args, workspace_id: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.form.fields["actor"].choices = [
            (str(user.pk), user.get_full_name() or user.username)
            for user in members(workspace_id, active_only=False)
        ]
        self.form.fields["since"].widget = forms.DateInput(attrs={"type": "date"})
