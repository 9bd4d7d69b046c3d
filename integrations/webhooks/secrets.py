"""Endpoint secrets: `whsec_` + base64 of 24 random bytes, encrypted at rest (core.crypto).

Changing SECRETS_KEY means issuing new secrets: rotate every endpoint.
"""

import base64
import secrets

from core import crypto

PREFIX = "whsec_"
# The purpose the secrets are encrypted under: its key is the one they always had.
PURPOSE = "webhook-secrets"


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def encrypt(secret: str) -> str:
    return crypto.encrypt(PURPOSE, secret)


def decrypt(token: str) -> str:
    return crypto.decrypt(PURPOSE, token)
