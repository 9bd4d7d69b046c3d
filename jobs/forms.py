"""Dashboard form for jobs. It validates input; services write."""

from django import forms

from contacts.models import Company
from core.validation import HttpUrlFormField

from .models import Job


class JobForm(forms.ModelForm):
    url = HttpUrlFormField(
        required=False, max_length=500, assume_scheme="https", label="Posting URL"
    )

    class Meta:
        model = Job
        fields = ["title", "company", "url", "stage", "archived"]
        labels = {"title": "Role", "url": "Posting URL"}
        help_texts = {"archived": "Archived jobs have no heat and leave the follow-up queue."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.order_by("name", "id")
        self.fields["company"].empty_label = "No company"
