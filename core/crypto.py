"""Secrets kept in the database — mailbox passwords, webhook signing secrets, DKIM keys —
encrypted with a key from the environment: the one place that knows how.

The key material is the setting SECRETS_KEY (development derives it from SECRET_KEY; with DEBUG
off it must be set, and `check_secrets_key` says so at start-up). Each kind of secret gets a
Fernet key of its own, derived from the material and a purpose name, so a value stored for one
purpose never decrypts as another's. Values written while SECRETS_KEY was not yet set were
encrypted under SECRET_KEY: they still decrypt, and are written under SECRETS_KEY the next time.
A database dump alone gives no secret away.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "check_secrets_key", "decrypt", "encrypt"]

MISSING = (
    "SECRETS_KEY must be set when DEBUG is off: it encrypts the mailbox passwords and webhook "
    "secrets stored in the database. Set it to a long random string (for example the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`) and keep it: changing it "
    "makes the stored passwords unreadable."
)


@lru_cache(maxsize=32)
def _fernet_for(purpose: str, material: str) -> Fernet:
    digest = hashlib.sha256(f"{purpose}:".encode() + material.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def _material() -> str:
    material = getattr(settings, "SECRETS_KEY", "")
    if not material:
        raise ImproperlyConfigured(MISSING)
    return material


def _keys(purpose: str) -> MultiFernet:
    """The key that encrypts now, then the one values written before SECRETS_KEY was set
    were encrypted with (read only)."""
    material = _material()
    keys = [_fernet_for(purpose, material)]
    if settings.SECRET_KEY and material != settings.SECRET_KEY:
        keys.append(_fernet_for(purpose, settings.SECRET_KEY))
    return MultiFernet(keys)


def encrypt(purpose: str, plaintext: str) -> str:
    """`plaintext` encrypted for `purpose` (e.g. "mailbox-passwords"), as text to store."""
    return _keys(purpose).encrypt(plaintext.encode()).decode()


def decrypt(purpose: str, token: str) -> str:
    """The text `encrypt` stored; InvalidToken when it was encrypted under another key."""
    return _keys(purpose).decrypt(token.encode()).decode()


def check_secrets_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """System check: stored secrets cannot be encrypted without SECRETS_KEY."""
    if getattr(settings, "SECRETS_KEY", ""):
        return []
    return [checks.Error(MISSING, id="core.E001")]
