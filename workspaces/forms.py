"""Dashboard forms of the members and audit pages. They validate input; services write."""

from django import forms

from .choices import Role


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
