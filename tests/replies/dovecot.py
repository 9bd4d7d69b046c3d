"""The `dovecot` fixture of the polling tests: a real IMAP server (demo/bench/dovecot.py, which
the replies bench starts too), stopped by its pid when the test ends."""

import pytest

from demo.bench.dovecot import DOVECOT, MISSING, Dovecot, free_port, running  # noqa: F401


@pytest.fixture
def dovecot():
    """A running Dovecot; skipped where it is not installed."""
    if not DOVECOT.exists():
        pytest.skip(MISSING)
    with running() as server:
        yield server
