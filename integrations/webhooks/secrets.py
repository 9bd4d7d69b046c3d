"""Endpoint secrets: `whsec_` + base64 of 24 random bytes, encrypted at rest.

The encryption key is derived from SECRET_KEY, so a database dump alone does not give the
secrets away (changing SECRET_KEY means issuing new secrets: rotate every endpoint).
"""

import base64
import hashlib
import secrets

from cryptography.fernet import Fernet
from django.conf import settings

PREFIX = "whsec_"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"webhook-secrets:" + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
