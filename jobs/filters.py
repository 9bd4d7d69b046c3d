import django_filters

from core.filters import BooleanFilter, EnumFilter, FilterSet, PublicIdFilter
from core.public_ids import PREFIXES

from .choices import JobStage
from .models import Job


class JobFilterSet(FilterSet):
    company_id = PublicIdFilter(field_name="company_id", prefix=PREFIXES["company"])
    stage = EnumFilter(choices=JobStage.choices)
    archived = BooleanFilter()
    heat = django_filters.NumberFilter(field_name="heat")
    q = django_filters.CharFilter(field_name="title", lookup_expr="icontains", max_length=200)
    dormant_candidate = BooleanFilter(help_text="Only jobs that look dormant (or only others).")

    class Meta:
        model = Job
        fields: list[str] = []
