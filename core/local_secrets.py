"""Secrets a local install makes for itself (the secret key, the demo password): random, made
once, kept in a file only its owner can read, the same on every later start.

Imported by the settings, so it imports nothing of Django's.
"""

import os
import secrets
from pathlib import Path


def read_or_create_secret(path: Path | str, *, nbytes: int = 50) -> str:
    """The secret kept in `path`; the first call makes it (mode 600). Two processes starting at
    once both end up with the one that was written first."""
    path = Path(path)
    try:
        # O_EXCL: never overwrite a file that appeared meanwhile; the mode applies from the start.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_text().strip()
        if not secret:
            raise RuntimeError(f"{path} is empty: delete it and a new secret is made") from None
        return secret
    secret = secrets.token_urlsafe(nbytes)
    with os.fdopen(fd, "w") as file:
        file.write(secret + "\n")
    return secret
