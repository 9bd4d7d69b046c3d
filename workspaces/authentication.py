"""API tokens, with the user's membership read in the same statement as the token and its user:
scoping a request to its workspace costs no extra query."""

from functools import cache

from django.contrib.auth import get_user_model
from django.db import connections

from core.api.authentication import TokenAuthentication as BaseTokenAuthentication
from core.api.authentication import user_by_token_sql

from .models import Membership
from .selectors import prime_membership


@cache
def _with_membership_sql(alias: str) -> str:
    quote = connections[alias].ops.quote_name
    users, memberships = get_user_model()._meta, Membership._meta
    table = quote(memberships.db_table)
    column = lambda name: f"{table}.{quote(memberships.get_field(name).column)}"  # noqa: E731
    select, rest = user_by_token_sql(alias).split(" FROM ", 1)
    joins, where = rest.split(" WHERE ", 1)
    user_pk = f"{quote(users.db_table)}.{quote(users.pk.column)}"
    return (
        f"{select}, {column('id')} AS membership_pk, "
        f"{column('workspace')} AS membership_workspace_id, {column('role')} AS membership_role "
        f"FROM {joins} LEFT OUTER JOIN {table} ON {column('user')} = {user_pk} WHERE {where}"
    )


class TokenAuthentication(BaseTokenAuthentication):
    """`Authorization: Token <key>`, answered as DRF answers it."""

    sql = staticmethod(_with_membership_sql)

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        prime_membership(user)
        return user, token
