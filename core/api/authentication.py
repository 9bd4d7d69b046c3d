"""API tokens: DRF's token authentication, the token and its user read by one raw statement.

DRF looks a token up with `Token.objects.select_related("user").get(key=…)` on every request,
and building that query through the ORM takes longer than the database takes to answer it. The
same join is written once here and read through `User.objects.raw()`, which still applies the
database's conversions to every field of the user. Answers and errors are DRF's.

Guessing keys is braked per caller address: once an address has offered API_FAILED_TOKEN_RATE
keys that name no token (e.g. `20/min`, over a rolling window in the shared cache, see
core/limits.py), its next keys are not even looked up and the answer is 429 with Retry-After.
"""

from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connections, router
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions
from rest_framework.authtoken.models import Token

from core.context import current_client_ip
from core.limits import RollingLimit, parse_rate, retry_after


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


def failed_tokens() -> RollingLimit:
    """Keys that named no (active) token, counted per caller address."""
    return RollingLimit("failed-token", *parse_rate(settings.API_FAILED_TOKEN_RATE))


class TokenAuthentication(authentication.TokenAuthentication):
    """`Authorization: Token <key>`, answered as DRF answers it, guessing braked per address."""

    model = Token

    sql = None  # see user_and_token

    def authenticate_credentials(self, key):
        # The address comes from the request's context (core.middleware), so a key given
        # another way (the compatibility API's `api_key`) is braked the same.
        address = current_client_ip() or ""
        limit = failed_tokens()
        wait = limit.wait(address)
        if wait is not None:
            raise exceptions.Throttled(retry_after(wait))
        found = user_and_token(key, self.sql)
        if found is None or not found[0].is_active:
            limit.hit(address)
        if found is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not found[0].is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return found
