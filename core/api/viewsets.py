"""The generic bases every resource's viewset declares itself with.

A viewset names its queryset, serializer, filterset and id prefix, and the three service calls
that write (`create_object`, `update_object`, `delete_object`); parsing, lookups, envelopes and
status codes live here once.
"""

from django.http import Http404
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from core.public_ids import try_parse_public_id


class PublicIdLookupMixin:
    """`{id}` in the path is a prefixed id; a malformed one is a 404 like an unknown one."""

    public_id_prefix: str = ""
    lookup_url_kwarg = "id"
    lookup_value_regex = "[^/]+"

    def get_object(self, queryset=None):
        """The object the path names, from `queryset` (default: get_queryset())."""
        pk = try_parse_public_id(self.public_id_prefix, self.kwargs[self.lookup_url_kwarg])
        if pk is None:
            raise Http404
        if queryset is None:
            queryset = self.get_queryset()
        try:
            obj = queryset.get(pk=pk)
        except queryset.model.DoesNotExist:
            raise Http404 from None
        self.check_object_permissions(self.request, obj)
        return obj


class ServiceModelViewSet(
    PublicIdLookupMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """List, retrieve, create (201), PATCH and DELETE, with writes delegated to services."""

    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def create_object(self, data: dict):
        raise NotImplementedError

    def update_object(self, instance, data: dict):
        raise NotImplementedError

    def delete_object(self, instance):
        raise NotImplementedError

    def is_search(self) -> bool:
        """Whether this is a list searched with `q`: counted in the pass that finds its page
        (see core.api.pagination)."""
        filterset_class = getattr(self, "filterset_class", None)
        return (
            self.action == "list"
            and filterset_class is not None
            and "q" in filterset_class.base_filters
            and bool(self.request.query_params.get("q", "").strip())
        )

    def paginate_queryset(self, queryset):
        if self.paginator is None:
            return None
        return self.paginator.paginate_queryset(
            queryset, self.request, view=self, search=self.is_search()
        )

    def reload(self, instance):
        """Read a written object back through the list queryset, so it serialises the same."""
        return self.get_queryset().get(pk=instance.pk)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.create_object(serializer.validated_data)
        return Response(
            self.get_serializer(self.reload(instance)).data, status=status.HTTP_201_CREATED
        )

    def partial_update(self, request, *args, **kwargs):
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        instance = self.update_object(instance, serializer.validated_data)
        return Response(self.get_serializer(self.reload(instance)).data)

    def destroy(self, request, *args, **kwargs):
        instance = self.get_object()
        result = self.delete_object(instance)
        if result is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(result)
