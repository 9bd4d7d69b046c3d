"""Settings read from the environment."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _database_settings(database_url: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if database_url is not None:
        env["DATABASE_URL"] = database_url
    code = (
        "import json; from django.conf import settings; "
        "db = settings.DATABASES['default']; print(json.dumps([db['ENGINE'], str(db['NAME'])]))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "outreach_site.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.parametrize("database_url", [None, ""])
def test_an_unset_or_empty_database_url_means_the_local_sqlite_file(database_url):
    engine, name = _database_settings(database_url)
    assert engine == "core.db.sqlite"  # Django's SQLite backend, see its docstring
    assert name == str(ROOT / "outreach.sqlite3")


def test_database_url_chooses_postgresql():
    engine, name = _database_settings("postgres://someone@127.0.0.1:5432/elsewhere")
    assert (engine, name) == ("core.db.postgresql", "elsewhere")  # see its docstring


# --- make run: a secret key made once, kept in a file --------------------------------------------


def _secret_key(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "from django.conf import settings; print(settings.SECRET_KEY)"
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "outreach_site.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def _run_env(**extra: str) -> dict[str, str]:
    """What `make run` sets (see the Makefile), without any key of the caller's."""
    keys = {"SECRET_KEY", "SECRET_KEY_FILE", "SECRETS_KEY", "SECRETS_KEY_FILE"}
    env = {k: v for k, v in os.environ.items() if k not in keys}
    env.update(DEBUG="0", SECURE_SSL_REDIRECT="0", SECURE_COOKIES="0", **extra)
    return env


def test_the_secret_key_file_is_made_once_private_and_reused(tmp_path):
    key_file = tmp_path / ".secret_key"
    first = _secret_key(_run_env(SECRET_KEY_FILE=str(key_file)))
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50
    assert key_file.read_text().strip() == key
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"

    again = _secret_key(_run_env(SECRET_KEY_FILE=str(key_file)))
    assert again.stdout.strip() == key  # sessions outlive a restart

    # Another install makes a key of its own.
    other = _secret_key(_run_env(SECRET_KEY_FILE=str(tmp_path / "other")))
    assert other.stdout.strip() not in {"", key}


def test_secret_key_wins_over_the_file_and_an_empty_file_is_refused(tmp_path):
    key_file = tmp_path / ".secret_key"
    given = _secret_key(_run_env(SECRET_KEY="given-key-" + "x" * 50, SECRET_KEY_FILE=str(key_file)))
    assert given.stdout.strip() == "given-key-" + "x" * 50
    assert not key_file.exists()

    key_file.write_text("")
    empty = _secret_key(_run_env(SECRET_KEY_FILE=str(key_file)))
    assert empty.returncode != 0
    assert "is empty: delete it and a new secret is made" in empty.stderr


def test_the_make_run_settings_pass_check_deploy_but_for_https(tmp_path):
    """make run is production on loopback: the only warnings left are the https ones a plain-http
    loopback run turns off."""
    env = _run_env(
        SECRET_KEY_FILE=str(tmp_path / ".secret_key"),
        SECRETS_KEY_FILE=str(tmp_path / ".secrets_key"),
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env={**env, "DJANGO_SETTINGS_MODULE": "outreach_site.settings"},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert "ERRORS:" not in result.stderr, result.stderr
    warnings = set(re.findall(r"security\.W\d+", result.stderr))
    assert warnings == {"security.W008", "security.W012", "security.W016"}, result.stderr
    assert (tmp_path / ".secrets_key").stat().st_mode & 0o777 == 0o600
