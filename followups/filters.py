import django_filters

from outreach_site.filters import EnumFilter, PublicIdFilter
from outreach_site.public_ids import PREFIXES

from .choices import FollowUpKind, FollowUpStatus
from .models import FollowUp


class FollowUpFilterSet(django_filters.FilterSet):
    outreach_id = PublicIdFilter(field_name="outreach_id", prefix=PREFIXES["outreach"])
    person_id = PublicIdFilter(field_name="person_id", prefix=PREFIXES["person"])
    job_id = PublicIdFilter(field_name="job_id", prefix=PREFIXES["job"])
    status = EnumFilter(choices=FollowUpStatus.choices)
    kind = EnumFilter(choices=FollowUpKind.choices)

    class Meta:
        model = FollowUp
        fields: list[str] = []
