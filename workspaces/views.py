"""Dashboard pages of a team: its members (admins), invites, and the audit log (admins and
managers). Services check the roles again; the pages only decide what to show."""

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from core.dashboard.pagination import paginate
from core.dashboard.views import call_service, prepare_filter_form
from core.errors import DomainError
from core.public_ids import PREFIXES, format_public_id
from core.scoping import current_workspace_id
from core.widgets import FastSelect

from . import selectors, services
from .choices import INVITE_DAYS
from .filters import AuditFilterSet
from .forms import InviteAcceptForm, InviteForm, MemberCreateForm, RoleForm
from .roles import Permission, may
from .selectors import membership_of


def _require(request: HttpRequest, permission: Permission) -> None:
    if not may(request.user, permission):
        raise PermissionDenied


def _members_page(request: HttpRequest, form: MemberCreateForm | None = None) -> HttpResponse:
    workspace = membership_of(request.user).workspace
    return render(
        request,
        "workspaces/members.html",
        {
            "title": "Members",
            "members": selectors.members(workspace.pk, active_only=False),
            "form": form or MemberCreateForm(),
            "invite_form": InviteForm(),
            "invite_days": INVITE_DAYS,
            "role_choices": RoleForm.base_fields["role"].choices,
        },
    )


def members(request: HttpRequest) -> HttpResponse:
    _require(request, Permission.ADMINISTER)
    if request.method != "POST":
        return _members_page(request)
    form = MemberCreateForm(request.POST)
    if form.is_valid():
        user = call_service(
            form,
            services.member_create,
            workspace=membership_of(request.user).workspace,
            actor=request.user,
            **form.cleaned_data,
        )
        if user is not None:
            role = form.cleaned_data["role"]
            messages.success(request, f"{user.username} can now sign in, as {role}.")
            return redirect("workspaces:members")
    return _members_page(request, form)


@require_POST
def member_role(request: HttpRequest, user_id: int) -> HttpResponse:
    _require(request, Permission.ADMINISTER)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect("workspaces:members")
    try:
        membership = services.member_set_role(
            workspace_id=current_workspace_id(),
            user_id=user_id,
            role=form.cleaned_data["role"],
            actor=request.user,
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{membership.user.username} is now {membership.role}.")
    return redirect("workspaces:members")


@require_POST
def member_deactivate(request: HttpRequest, user_id: int) -> HttpResponse:
    _require(request, Permission.ADMINISTER)
    try:
        services.member_deactivate(
            workspace_id=current_workspace_id(), user_id=user_id, actor=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Deactivated: they can no longer sign in or use their token.")
    return redirect("workspaces:members")


@require_POST
def invite_create(request: HttpRequest) -> HttpResponse:
    _require(request, Permission.ADMINISTER)
    form = InviteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect("workspaces:members")
    invite, token = services.invite_create(
        workspace_id=current_workspace_id(), role=form.cleaned_data["role"], actor=request.user
    )
    link = request.build_absolute_uri(f"/invite/{token}/")
    messages.success(
        request,
        f"Invite link for a {invite.role}, good for {INVITE_DAYS} days and one sign-up "
        f"(shown only now): {link}",
    )
    return redirect("workspaces:members")


@login_not_required
def invite_accept(request: HttpRequest, token: str) -> HttpResponse:
    invite = services.invite_find(token)
    if invite is None:
        return render(
            request,
            "workspaces/invite_gone.html",
            {"title": "Invite", "invite_days": INVITE_DAYS},
            status=404,
        )
    form = InviteAcceptForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "password_again"}
        user = call_service(form, services.invite_accept, token=token, **values)
        if user is not None:
            login(request, user, backend="core.security.RateLimitedModelBackend")
            messages.success(request, f"Welcome to {invite.workspace.name}.")
            return redirect("home")
    return render(
        request,
        "workspaces/invite.html",
        {"title": f"Join {invite.workspace.name}", "invite": invite, "form": form},
    )


def audit(request: HttpRequest) -> HttpResponse:
    """The audit log, newest first, filtered by actor, object id, action and date."""
    _require(request, Permission.AUDIT)
    workspace_id = current_workspace_id()
    filterset = AuditFilterSet(
        request.GET, queryset=selectors.audit_entries(workspace_id).select_related("actor")
    )
    # The API's filters; on the page, actors are picked from the members and "since" is a date
    # and time field.
    form = filterset.form
    prepare_filter_form(form)
    form.fields["actor"].widget = FastSelect(
        choices=[
            ("", "Anyone"),
            *(
                (format_public_id(PREFIXES["user"], user.pk), user.get_full_name() or user.username)
                for user in selectors.members(workspace_id, active_only=False)
            ),
        ]
    )
    form.fields["since"].widget = forms.DateTimeInput(attrs={"type": "datetime-local"})
    queryset = filterset.qs if filterset.is_valid() else filterset.queryset.none()
    return render(
        request,
        "workspaces/audit.html",
        {"title": "Audit log", "filter_form": filterset.form, "page": paginate(request, queryset)},
    )
