"""Workspaces as walls: every query of a workspace's rows is scoped by the manager, once.

Each model that belongs to a workspace has `objects = WorkspaceManager()` (a child such as a
sequence step is reached through its parent). Its querysets are filtered by the scope in force:

- a request's scope is its user's workspace, read when the first query needs it (after DRF has
  authenticated a token), set by `core.middleware.WorkspaceScopeMiddleware` for every request;
  a user without one sees nothing;
- background work runs `with workspace_scope(batch.workspace_id)`: the workspace of what
  queued it;
- everything else (the Django admin for staff, management commands, the shell) sees every
  workspace.

So the API, the dashboard, the compatibility endpoints, exports, charts and batches cannot
forget the wall: `get_object_or_404`, a serializer's related field and a batch's id lookup all
go through the manager, and another workspace's row is simply not there (a 404, `not_found`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.db import models

from core.hooks import Provider

# Which workspace a user works in (None: none). Supplied by the workspaces app.
workspace_of_user = Provider("the workspace id of a user")

NOT_A_MEMBER = "You are not a member of any workspace."


class _Everywhere:
    def __repr__(self) -> str:
        return "<every workspace>"


EVERYWHERE = _Everywhere()


class RequestScope:
    """The scope of one request: its user's workspace, looked up once when first needed."""

    _UNKNOWN = object()

    def __init__(self, request):
        self.request = request
        self._workspace_id: Any = self._UNKNOWN

    def workspace_id(self) -> int | None:
        if self._workspace_id is self._UNKNOWN:
            user = getattr(self.request, "user", None)
            if user is None or not user.is_authenticated:
                return None  # not cached: authentication may still be under way
            self._workspace_id = workspace_of_user(user=user)
        return self._workspace_id


_scope: ContextVar[Any] = ContextVar("workspace_scope", default=EVERYWHERE)


def current_scope() -> Any:
    return _scope.get()


def current_workspace_id() -> int | None:
    """The workspace queries are limited to now; None when they are not limited or when the
    user has none (see `is_scoped`)."""
    scope = _scope.get()
    if isinstance(scope, RequestScope):
        return scope.workspace_id()
    return None if scope is EVERYWHERE else scope


def is_scoped() -> bool:
    return _scope.get() is not EVERYWHERE


@contextmanager
def workspace_scope(scope: Any) -> Iterator[None]:
    """Run the block inside one workspace (an id), a request's scope, or EVERYWHERE."""
    token = _scope.set(scope)
    try:
        yield
    finally:
        _scope.reset(token)


def everywhere():
    """Run the block across every workspace (the staff admin, recovery that groups by
    workspace itself)."""
    return workspace_scope(EVERYWHERE)


class WorkspaceQuerySet(models.QuerySet):
    """A queryset that takes the scope in force when it is made or first copied.

    Querysets written at import time (a viewset's `queryset`, a serializer field's) are made
    outside any request; DRF and Django copy them (`.all()`) when they serve one, and the copy
    is scoped then. The original is never changed.
    """

    _scoped_to: Any = None  # the workspace id applied (0: the none of a user without one)

    def _clone(self):
        clone = super()._clone()
        clone._scoped_to = self._scoped_to
        return clone.apply_scope()

    def apply_scope(self) -> "WorkspaceQuerySet":
        """Limit this queryset, in place, to the workspace in scope (once)."""
        if self._scoped_to is not None or not is_scoped():
            return self
        query = self.query
        if query.is_sliced or query.combinator:
            return self
        workspace_id = current_workspace_id()
        if workspace_id is None:
            query.set_empty()
            self._scoped_to = 0
        else:
            query.add_q(models.Q(workspace_id=workspace_id))
            self._scoped_to = workspace_id
        return self


class WorkspaceManager(models.Manager.from_queryset(WorkspaceQuerySet)):
    """The default manager of a workspace's model: its querysets obey the scope in force."""

    def get_queryset(self) -> models.QuerySet:
        return super().get_queryset().apply_scope()
