"""Stored secrets: one helper encrypts them with keys from SECRETS_KEY, secrets written under
SECRET_KEY before still read, production refuses to start without the key; the workspace's
DKIM key signs the messages of its domain."""

import os
import subprocess
import sys
from pathlib import Path

import dkim
import pytest
from cryptography.fernet import InvalidToken

from core import crypto
from integrations.webhooks import secrets as webhook_secrets
from sending import services
from sending.models import DkimKey, Message
from tests.sending.test_api import make_mailbox
from tests.sending.test_composition import _dkim_key

ROOT = Path(__file__).resolve().parents[2]


def test_round_trip_and_purposes_keep_apart(settings):
    settings.SECRETS_KEY = "k" * 40
    token = crypto.encrypt("mailbox-passwords", "pw")

    assert crypto.decrypt("mailbox-passwords", token) == "pw"
    with pytest.raises(InvalidToken):
        crypto.decrypt("webhook-secrets", token)
    settings.SECRETS_KEY = "another key entirely"
    with pytest.raises(InvalidToken):
        crypto.decrypt("mailbox-passwords", token)


def test_secrets_written_under_secret_key_still_read_once_secrets_key_is_set(settings):
    settings.SECRETS_KEY = settings.SECRET_KEY  # as in development, before SECRETS_KEY was set
    old = webhook_secrets.encrypt("whsec_old")
    settings.SECRETS_KEY = "a real key for production use"

    assert webhook_secrets.decrypt(old) == "whsec_old"
    assert webhook_secrets.decrypt(webhook_secrets.encrypt("whsec_new")) == "whsec_new"


def test_production_without_secrets_key_fails_the_start_up_check(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRETS_KEY", "SECRETS_KEY_FILE", "DATABASE_URL", "DEBUG"}
    }
    env.update(
        DEBUG="0",
        SECRET_KEY="x" * 60,
        ALLOWED_HOSTS="outreach.example.com",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    refused = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert refused.returncode != 0
    assert "core.E001" in refused.stderr and "SECRETS_KEY must be set" in refused.stderr
    env["SECRETS_KEY"] = "y" * 43
    accepted = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert accepted.returncode == 0, accepted.stderr


@pytest.mark.django_db
def test_the_workspaces_dkim_key_signs_its_domains_messages(api, owner):
    private, record = _dkim_key()
    key = services.dkim_key_set(
        actor=owner, domain="Analytical.example", selector="s1", private_key=private.decode()
    )
    assert private.decode() not in DkimKey.objects.get().private_key_encrypted
    box = make_mailbox(owner=owner, from_email="ada@analytical.example")

    assert api.post(f"/api/mailboxes/{box.public_id}/test").status_code == 200

    raw = bytes(Message.objects.get().raw)
    assert raw.startswith(b"DKIM-Signature:")
    assert dkim.verify(raw, dnsfunc=lambda name, timeout=5: record)
    assert str(key) == "s1._domainkey.analytical.example"
    other = make_mailbox(owner=owner, from_email="ada@elsewhere.example")
    api.post(f"/api/mailboxes/{other.public_id}/test")
    assert not bytes(Message.objects.latest("id").raw).startswith(b"DKIM-Signature:")
