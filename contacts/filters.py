import django_filters
from django.db.models import Q

from core.expressions import InSubquery
from core.filters import EnumFilter, FilterSet, PublicIdFilter
from core.public_ids import PREFIXES

from .choices import PersonStatus, Strength
from .models import Company, Person


class CompanyFilterSet(FilterSet):
    owner = PublicIdFilter(field_name="owner_id", prefix=PREFIXES["user"])
    domain = django_filters.CharFilter(field_name="domain", lookup_expr="iexact")
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search names and domains."
    )

    class Meta:
        model = Company
        fields: list[str] = []

    def search(self, queryset, name, value):
        return queryset.filter(Q(name__icontains=value) | Q(domain__icontains=value))


class PersonFilterSet(FilterSet):
    company_id = PublicIdFilter(field_name="company_id", prefix=PREFIXES["company"])
    status = EnumFilter(choices=PersonStatus.choices)
    strength = EnumFilter(choices=Strength.choices)
    email = django_filters.CharFilter(field_name="email", lookup_expr="iexact")
    q = django_filters.CharFilter(
        method="search", max_length=200, help_text="Search names, emails and company names."
    )

    class Meta:
        model = Person
        fields: list[str] = []

    def search(self, queryset, name, value):
        """Name, email or company name. The companies that match are looked up first: an OR
        across the join to companies would read every person instead of their indexes."""
        companies = Company.objects.filter(name__icontains=value).order_by().values("pk")
        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | InSubquery("company_id", companies)
        )
