import io

import pytest
from django.core.management import call_command


@pytest.fixture
def command():
    """`command(name, *args)` runs a management command and returns (stdout, stderr)."""

    def run(name: str, *args: str) -> tuple[str, str]:
        out, err = io.StringIO(), io.StringIO()
        call_command(name, *args, stdout=out, stderr=err)
        return out.getvalue(), err.getvalue()

    return run
