import django_filters
from django.db.models import Q

from contacts.models import Company
from core.expressions import in_matches
from core.filters import BooleanFilter, EnumFilter, FilterSet, PublicIdFilter
from core.public_ids import PREFIXES

from .choices import JobStage
from .models import Job


class JobFilterSet(FilterSet):
    company_id = PublicIdFilter(field_name="company_id", prefix=PREFIXES["company"])
    stage = EnumFilter(choices=JobStage.choices)
    archived = BooleanFilter()
    heat = django_filters.NumberFilter(field_name="heat")
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search titles and company names."
    )
    dormant_candidate = BooleanFilter(help_text="Only jobs that look dormant (or only others).")

    class Meta:
        model = Job
        fields: list[str] = []

    def search(self, queryset, name, value):
        """Title or company name (the matching companies first, as the people search does)."""
        companies = Company.objects.filter(name__icontains=value)
        return queryset.filter(Q(title__icontains=value) | in_matches("company_id", companies))
