from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.response import Response

from core.api.viewsets import ServiceModelViewSet
from core.public_ids import PREFIXES
from followups.selectors import people_with_heat

from .. import services, suppressions
from ..filters import CompanyFilterSet, PersonFilterSet, SuppressionFilterSet
from ..models import Company, Person, Suppression
from .serializers import CompanySerializer, PersonSerializer, SuppressionSerializer


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

    @extend_schema(
        summary="Erase a person's personal data (GDPR)",
        description=(
            "Puts their address on the suppression list (as its SHA-256), blanks their names, "
            "title, email, phone and profile links, makes them do_not_contact and blanks the "
            "subjects and bodies of their outreaches and messages, in one transaction. "
            "Answers the erased person. Managers and admins."
        ),
        request=None,
        responses={200: PersonSerializer},
        filters=False,
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, id=None):
        person = services.person_erase(person=self.get_object(), actor=request.user)
        return Response(self.get_serializer(self.reload(person)).data)


class SuppressionViewSet(ServiceModelViewSet):
    """The workspace's suppression list: addresses never to contact, kept as SHA-256 hashes.
    Everyone reads it, anyone who may write adds to it, managers remove from it."""

    queryset = Suppression.objects.order_by("-id")
    serializer_class = SuppressionSerializer
    filterset_class = SuppressionFilterSet
    public_id_prefix = Suppression.PUBLIC_ID_PREFIX
    http_method_names = ["get", "post", "delete", "head", "options"]

    @extend_schema(
        summary="Put an address on the suppression list",
        description=(
            "Give `email` (only its SHA-256 is kept) or `address_hash`. 201 with the new entry; "
            "200 with the existing one when the address is on the list already (it keeps its "
            "first reason and note)."
        ),
        responses={
            201: SuppressionSerializer,
            200: OpenApiResponse(SuppressionSerializer, description="Already on the list."),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        suppression, created = suppressions.suppression_create(
            actor=request.user, **serializer.validated_data
        )
        return Response(
            self.get_serializer(suppression).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    def delete_object(self, instance):
        suppressions.suppression_delete(suppression=instance, actor=self.request.user)
