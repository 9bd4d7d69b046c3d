"""The bench command's own checks (the bench itself runs with `make bench`)."""

import pytest
from django.core.management import CommandError, call_command


def test_bench_refuses_backends_it_cannot_run(monkeypatch):
    with pytest.raises(CommandError, match=r"Unknown: mysql\. Use sqlite, postgresql\."):
        call_command("bench", "--backends", "mysql")
    monkeypatch.setenv("DATABASE_URL", "sqlite:///elsewhere.sqlite3")
    with pytest.raises(CommandError, match="--backends postgresql needs DATABASE_URL"):
        call_command("bench", "--backends", "postgresql")
