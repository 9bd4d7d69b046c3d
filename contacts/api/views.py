from core.api.viewsets import ServiceModelViewSet
from core.public_ids import PREFIXES
from followups.selectors import people_with_heat

from .. import services
from ..filters import CompanyFilterSet, PersonFilterSet
from ..models import Company, Person
from .serializers import CompanySerializer, PersonSerializer


class CompanyViewSet(ServiceModelViewSet):
    queryset = Company.objects.order_by("name", "id")
    serializer_class = CompanySerializer
    filterset_class = CompanyFilterSet
    public_id_prefix = PREFIXES["company"]

    def create_object(self, data):
        return services.company_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.company_update(company=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        services.company_delete(company=instance, actor=self.request.user)


class PersonViewSet(ServiceModelViewSet):
    queryset = Person.objects.order_by("last_name", "first_name", "id")
    serializer_class = PersonSerializer
    filterset_class = PersonFilterSet
    public_id_prefix = PREFIXES["person"]

    def get_queryset(self):
        return people_with_heat(super().get_queryset())

    def create_object(self, data):
        return services.person_create(actor=self.request.user, **data)

    def update_object(self, instance, data):
        return services.person_update(person=instance, actor=self.request.user, **data)

    def delete_object(self, instance):
        services.person_delete(person=instance, actor=self.request.user)
