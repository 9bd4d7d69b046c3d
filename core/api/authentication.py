"""API tokens: DRF's token authentication, the token and its user read by one raw statement.

DRF looks a token up with `Token.objects.select_related("user").get(key=…)` on every request,
and building that query through the ORM takes longer than the database takes to answer it. The
same join is written once here and read through `User.objects.raw()`, which still applies the
database's conversions to every field of the user. Answers and errors are DRF's.
"""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token


@cache
def user_by_token_sql(alias: str) -> str:
    """SELECT the user whose token has the key %s (the statement differs only by quoting)."""
    quote = connections[alias].ops.quote_name
    users, tokens = get_user_model()._meta, Token._meta
    user_table, token_table = quote(users.db_table), quote(tokens.db_table)
    token_user = f"{token_table}.{quote(tokens.get_field('user').column)}"
    return (
        f"SELECT {user_table}.* FROM {user_table} INNER JOIN {token_table} "
        f"ON {token_user} = {user_table}.{quote(users.pk.column)} "
        f"WHERE {token_table}.{quote(tokens.get_field('key').column)} = %s"
    )


def user_and_token(key: str, sql=None) -> tuple[AbstractBaseUser, Token] | None:
    """(user, token) of the token whose key is `key`, or None when there is none. The token
    comes with its user attached; its other fields are loaded if asked for. `sql(alias)` may
    extend the statement (more columns become attributes of the user)."""
    if "\x00" in key:  # no token has one, and PostgreSQL refuses it in a parameter
        return None
    alias = router.db_for_read(Token)
    statement = (sql or user_by_token_sql)(alias)
    users = get_user_model().objects.db_manager(alias).raw(statement, [key])
    user = next(iter(users), None)
    if user is None:
        return None
    token = Token.from_db(alias, ["key", "user_id"], [key, user.pk])
    token.user = user
    return user, token


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, answered as DRF answers it."""

    model = Token

    sql = None  # see user_and_token

    def authenticate_credentials(self, key):
        found = user_and_token(key, self.sql)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not found[0].is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return found
