"""Dashboard forms for people and companies. They validate input; services write."""

from django import forms

from workspaces.selectors import member_name, members_in_scope

from .choices import ImportMode, SuppressionReason
from .models import MAX_SUPPRESSION_NOTE, Company, Person
from .normalize import (
    InvalidContactDetail,
    normalize_email,
    normalize_phone,
    normalize_profile_url,
)

MAX_IMPORT_BYTES = 5 * 1024 * 1024


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = ["name", "domain", "owner"]
        help_texts = {
            "domain": "Like acme.com; used to guess email addresses during enrichment.",
            "owner": "The user accountable for this company's outreaches.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members_in_scope()
        self.fields["owner"].empty_label = "Nobody"
        self.fields["owner"].label_from_instance = member_name


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = [
            "first_name",
            "last_name",
            "title",
            "company",
            "email",
            "phone",
            "linkedin_url",
            "facebook_url",
            "status",
            "strength",
        ]
        labels = {"linkedin_url": "LinkedIn URL", "facebook_url": "Facebook URL"}
        widgets = {
            "email": forms.EmailInput(),
            "phone": forms.TextInput(attrs={"type": "tel", "placeholder": "+1 415 555 0123"}),
            "linkedin_url": forms.TextInput(attrs={"placeholder": "linkedin.com/in/name"}),
            "facebook_url": forms.TextInput(attrs={"placeholder": "facebook.com/name"}),
        }
        help_texts = {"phone": "Stored in international form (E.164)."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.order_by("name", "id")
        self.fields["company"].empty_label = "No company"

    # The services normalise again; checking here too shows every bad field in one round.
    def _normalized(self, name: str, normalize) -> str:
        value = self.cleaned_data.get(name) or ""
        try:
            return normalize(value) if value else value
        except InvalidContactDetail as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_email(self):
        return self._normalized("email", normalize_email)

    def clean_phone(self):
        return self._normalized("phone", normalize_phone)

    def clean_linkedin_url(self):
        return self._normalized("linkedin_url", lambda v: normalize_profile_url(v, "linkedin"))

    def clean_facebook_url(self):
        return self._normalized("facebook_url", lambda v: normalize_profile_url(v, "facebook"))

    def clean(self):
        cleaned = super().clean()
        if not any(
            cleaned.get(name) for name in ("first_name", "last_name", "email", "linkedin_url")
        ):
            raise forms.ValidationError("Give at least a name, an email or a LinkedIn URL.")
        return cleaned


MODE_HELP = (
    "For people already here (matched by email, then LinkedIn URL): create only leaves them as "
    "they are; update empty fields only adds what they lack; overwrite replaces their values "
    "with the file's. An empty cell never clears a field."
)


class PersonImportForm(forms.Form):
    """The file to import and, at first, the mode; the preview shows what importing it does."""

    file = forms.FileField(
        label="CSV file",
        help_text=(
            "UTF-8, first row the column names: first_name, last_name, title, company, "
            "company_domain, email, phone, linkedin_url, facebook_url, status, strength."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    mode = forms.ChoiceField(
        label="People already here",
        choices=ImportMode.choices,
        initial=ImportMode.FILL_EMPTY,
        required=False,
        widget=forms.RadioSelect,
        help_text=MODE_HELP,
    )
    skip_invalid = forms.BooleanField(
        required=False,
        label="Import the valid rows even if some are rejected",
        help_text="Otherwise a single rejected row means nothing is imported.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size // 1024:,} KB; at most {MAX_IMPORT_BYTES // 1024:,} KB."
            )
        return upload

    def clean_mode(self):
        return self.cleaned_data.get("mode") or ImportMode.FILL_EMPTY


class ImportChoicesForm(forms.Form):
    """The choices made on a preview: they change the preview, then the import."""

    mode = forms.ChoiceField(
        label="People already here",
        choices=ImportMode.choices,
        widget=forms.RadioSelect,
        help_text=MODE_HELP,
    )
    accept_name_changes = forms.BooleanField(
        required=False,
        label="Also update people whose name differs from the file's",
        help_text="Otherwise a row that matches someone of another name leaves them as they are.",
    )
    skip_invalid = PersonImportForm.base_fields["skip_invalid"]


class SuppressionForm(forms.Form):
    """An address to put on the suppression list; the service checks it and keeps its hash."""

    email = forms.CharField(
        label="Address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        help_text="Only its SHA-256 is kept: the list can say whether an address is on it, "
        "never show one.",
    )
    reason = forms.ChoiceField(choices=SuppressionReason.choices, initial=SuppressionReason.MANUAL)
    note = forms.CharField(max_length=MAX_SUPPRESSION_NOTE, required=False)
