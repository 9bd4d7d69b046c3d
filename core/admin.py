"""The admin bases every app's admin builds on.

Staff edits go through the same services as the API, so they are normalised and checked the
same way; a refusal from a service shows on the form instead of failing the request.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin.utils import flatten_fieldsets
from django.http import HttpRequest

from core.errors import DomainError
from core.public_ids import try_parse_public_id
from core.scoping import workspace_of_user

# The admin names the product on every page and in the browser tab (templates/admin/base_site.html
# adds its icon).
admin.site.site_header = "Outreach administration"
admin.site.site_title = "Outreach admin"
admin.site.index_title = "Records"


class SearchMixin:
    """Search that PostgreSQL can run whatever is typed: it refuses NUL characters."""

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, search_term.replace("\x00", ""))


class PublicIdAdminMixin(SearchMixin):
    """Shows the prefixed id (`per_42`) as a column and finds the row when it is searched for."""

    @admin.display(description="id", ordering="pk")
    def public_id(self, obj) -> str:
        return obj.public_id

    def get_search_results(self, request, queryset, search_term):
        pk = try_parse_public_id(self.model.PUBLIC_ID_PREFIX, search_term)
        if pk is not None:
            return queryset.filter(pk=pk), False
        return super().get_search_results(request, queryset, search_term)


def _form_field_for(form: forms.BaseForm, field: str | None) -> str | None:
    """The form field a service error names (services speak the API's `company_id`)."""
    if field in form.fields:
        return field
    if field and field.endswith("_id") and field.removesuffix("_id") in form.fields:
        return field.removesuffix("_id")
    return None


def _form_refusing(form_class: type[forms.BaseForm], refusal: DomainError):
    class RefusedForm(form_class):
        def clean(self):
            cleaned = super().clean()
            self.add_error(_form_field_for(self, refusal.field), refusal.message)
            return cleaned

    RefusedForm.__name__ = form_class.__name__
    return RefusedForm


class ServiceAdminMixin:
    """Saves and deletes through the app's services (`service_create/update/delete`).

    Only the fields the form changed are handed over, so a create leaves the rest to the
    service's defaults. When a service refuses (a DomainError), its write was rolled back with
    the admin's transaction; the form is shown again with the message on the field it names.
    """

    def service_create(self, request: HttpRequest, values: dict):
        raise NotImplementedError

    def service_update(self, request: HttpRequest, obj, changes: dict):
        raise NotImplementedError

    def service_delete(self, request: HttpRequest, obj) -> None:
        raise NotImplementedError

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as refusal:
            if request.method != "POST" or hasattr(request, "_service_refusal"):
                raise
            # Answer the same POST again: get_form now puts the refusal on the form, which makes
            # it invalid, so the admin shows the form with what was typed and saves nothing.
            request._service_refusal = refusal
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form_class = super().get_form(request, obj, change=change, **kwargs)
        refusal = getattr(request, "_service_refusal", None)
        return form_class if refusal is None else _form_refusing(form_class, refusal)

    def save_model(self, request, obj, form, change):
        values = {name: form.cleaned_data[name] for name in form.changed_data}
        if change:
            # The form already wrote its values onto `obj`; services compare against the stored row.
            stored = type(obj)._default_manager.get(pk=obj.pk)
            self.service_update(request, stored, values)
            return
        created = self.service_create(request, values)
        # The admin logs, redirects and saves inlines against the form's instance.
        obj.pk = created.pk
        obj._state.adding = False

    def delete_model(self, request, obj):
        self.service_delete(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.service_delete(request, obj)


class WorkspaceAdminMixin:
    """The admin is the staff's one view across workspaces: a workspace column and filter, a
    workspace to choose when adding, and shown (not changeable) afterwards."""

    def get_list_filter(self, request):
        return ("workspace", *super().get_list_filter(request))

    def get_readonly_fields(self, request, obj=None):
        readonly = tuple(super().get_readonly_fields(request, obj))
        return (*readonly, "workspace") if obj is not None else readonly

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The model field is not editable: the form declares its own (below).
        fields = kwargs.get("fields", flatten_fieldsets(self.get_fieldsets(request, obj)))
        if fields is not None:
            kwargs["fields"] = [f for f in fields if f != "workspace"]
        form_class = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form_class
        workspaces = self.model._meta.get_field("workspace").remote_field.model
        choices = workspaces.objects.order_by("name")
        initial = workspace_of_user(user=request.user)
        if initial is None and len(choices[:2]) == 1:
            initial = choices[0].pk
        field = forms.ModelChoiceField(
            choices, initial=initial, help_text="Where the new record belongs."
        )
        return type(form_class.__name__, (form_class,), {"workspace": field})

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None and self.fieldsets:
            return [(None, {"fields": ["workspace"]}), *fieldsets]
        return fieldsets
