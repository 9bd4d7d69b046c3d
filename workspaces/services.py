"""Workspaces and their members: every change checked against the actor's role and audited."""

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.errors import Conflict, InvalidInput, NotFound

from . import audit
from .choices import INVITE_DAYS, AuditAction, Role
from .models import Invite, Membership, Workspace
from .roles import Permission, require
from .selectors import forget_membership

User = get_user_model()


def _check_role(role: str) -> str:
    if role not in Role.values:
        raise InvalidInput(
            f"Unknown role {role!r}; use one of: {', '.join(Role.values)}.", field="role"
        )
    return role


def workspace_get_or_create(name: str) -> tuple[Workspace, bool]:
    name = name.strip()
    if not name:
        raise InvalidInput("A workspace needs a name.", field="name")
    return Workspace.objects.get_or_create(name=name)


@transaction.atomic
def workspace_create(*, name: str, admin: User) -> Workspace:
    """A new workspace with `admin` as its admin (moved there if they were elsewhere)."""
    if Workspace.objects.filter(name=name.strip()).exists():
        raise Conflict(f"A workspace named {name.strip()!r} already exists.", field="name")
    workspace, _ = workspace_get_or_create(name)
    member_add(workspace=workspace, user=admin, role=Role.ADMIN, actor=None)
    return workspace


@transaction.atomic
def member_add(*, workspace: Workspace, user: User, role: str, actor: Actor) -> Membership:
    """Make `user` a member of `workspace` with `role`, moving them from another workspace."""
    require(actor, Permission.ADMINISTER, "manage members")
    _check_role(role)
    current = Membership.objects.filter(user=user).first()
    if current and current.workspace_id != workspace.pk:
        _keep_an_admin(current, role=None)
    membership, _ = Membership.objects.update_or_create(
        user=user, defaults={"workspace": workspace, "role": role}
    )
    forget_membership(user)
    audit.record(
        actor=actor,
        action=AuditAction.MEMBER_ADD,
        object_type="user",
        object_id=f"usr_{user.pk}",
        workspace_id=workspace.pk,
        changes={"role": [current.role if current else None, role]},
    )
    return membership


@transaction.atomic
def member_create(
    *, workspace: Workspace, username: str, password: str, role: str, actor: Actor, **names: str
) -> User:
    """A new user who is a member from the start."""
    require(actor, Permission.ADMINISTER, "manage members")
    _check_role(role)
    username = username.strip()
    if not username:
        raise InvalidInput("A username is required.", field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise Conflict(f"The username {username!r} is taken.", field="username")
    user = User(username=username, **names)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise InvalidInput(" ".join(exc.messages), field="password") from None
    user.set_password(password)
    user.save()
    member_add(workspace=workspace, user=user, role=role, actor=actor)
    return user


def _keep_an_admin(membership: Membership, *, role: str | None) -> None:
    """A workspace always keeps an active admin: refuse to demote, move or deactivate its last."""
    if membership.role != Role.ADMIN or role == Role.ADMIN:
        return
    others = Membership.objects.filter(
        workspace_id=membership.workspace_id, role=Role.ADMIN, user__is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise Conflict("A workspace needs at least one admin; make someone else admin first.")


def _membership_in(workspace_id: int, user_id: int) -> Membership:
    membership = (
        Membership.objects.select_for_update()
        .filter(workspace_id=workspace_id, user_id=user_id)
        .select_related("user")
        .first()
    )
    if membership is None:
        raise NotFound("No such member.")
    return membership


@transaction.atomic
def member_set_role(*, workspace_id: int, user_id: int, role: str, actor: Actor) -> Membership:
    require(actor, Permission.ADMINISTER, "change roles")
    _check_role(role)
    membership = _membership_in(workspace_id, user_id)
    if membership.role == role:
        return membership
    _keep_an_admin(membership, role=role)
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    forget_membership(membership.user)
    audit.record(
        actor=actor,
        action=AuditAction.ROLE_CHANGE,
        object_type="user",
        object_id=f"usr_{user_id}",
        workspace_id=workspace_id,
        changes={"role": [before, role]},
    )
    return membership


@transaction.atomic
def member_deactivate(*, workspace_id: int, user_id: int, actor: Actor) -> None:
    """The member can no longer sign in or use their tokens; their records stay."""
    require(actor, Permission.ADMINISTER, "deactivate members")
    membership = _membership_in(workspace_id, user_id)
    if actor is not None and membership.user_id == actor.pk:
        raise Conflict("You cannot deactivate yourself.")
    _keep_an_admin(membership, role=None)
    User.objects.filter(pk=user_id).update(is_active=False)
    audit.record(
        actor=actor,
        action=AuditAction.MEMBER_DEACTIVATE,
        object_type="user",
        object_id=f"usr_{user_id}",
        workspace_id=workspace_id,
        changes={"is_active": [True, False]},
    )


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invite_create(*, workspace_id: int, role: str, actor: Actor) -> tuple[Invite, str]:
    """A one-time invite; returns it and its token (shown once, only its hash is kept)."""
    require(actor, Permission.ADMINISTER, "invite members")
    _check_role(role)
    token = secrets.token_urlsafe(24)
    invite = Invite.objects.create(
        workspace_id=workspace_id,
        role=role,
        token_hash=_token_hash(token),
        created_by=actor,
        expires_at=timezone.now() + timedelta(days=INVITE_DAYS),
    )
    audit.record(
        actor=actor,
        action=AuditAction.INVITE,
        object_type="invite",
        object_id=str(invite.pk),
        workspace_id=workspace_id,
        changes={"role": [None, role]},
    )
    return invite, token


def invite_find(token: str) -> Invite | None:
    """The open invite with this token, or None (unknown, used or expired)."""
    invite = (
        Invite.objects.filter(token_hash=_token_hash(token)).select_related("workspace").first()
    )
    return invite if invite is not None and invite.is_open() else None


@transaction.atomic
def invite_accept(*, token: str, username: str, password: str, **names: str) -> User:
    invite = Invite.objects.select_for_update().filter(token_hash=_token_hash(token)).first()
    if invite is None or not invite.is_open():
        raise NotFound("This invite link is unknown, used or expired.")
    user = member_create(
        workspace=invite.workspace,
        username=username,
        password=password,
        role=invite.role,
        actor=None,
        **names,
    )
    invite.accepted_at = timezone.now()
    invite.accepted_by = user
    invite.save(update_fields=["accepted_at", "accepted_by"])
    return user
