import django_filters
from django.db.models import Q

from core.expressions import in_matches
from core.filters import EnumFilter, FilterSet, PublicIdFilter
from core.public_ids import PREFIXES

from .choices import PersonStatus, Strength, SuppressionReason
from .models import Company, Person, Suppression
from .suppressions import address_hash


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
        companies = Company.objects.filter(name__icontains=value)
        return queryset.filter(
            Q(first_name__icontains=value)
            | Q(last_name__icontains=value)
            | Q(email__icontains=value)
            | in_matches("company_id", companies)
        )


class SuppressionFilterSet(FilterSet):
    """The suppression list's filters (`GET /api/suppressions` and the Suppression list page).
    An address is looked up by its hash: the list holds no addresses."""

    reason = EnumFilter(choices=SuppressionReason.choices)
    email = django_filters.CharFilter(
        method="by_email", max_length=254, help_text="The entry of this address, if any."
    )
    address_hash = django_filters.CharFilter(
        method="by_hash", max_length=64, help_text="The entry of this SHA-256 (hex), if any."
    )

    class Meta:
        model = Suppression
        fields: list[str] = []

    def by_email(self, queryset, name, value):
        return queryset.filter(address_hash=address_hash(value))

    def by_hash(self, queryset, name, value):
        return queryset.filter(address_hash=value.strip().lower())
