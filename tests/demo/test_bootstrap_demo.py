"""bootstrap_demo: what `make run` does after migrating."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError
from rest_framework.authtoken.models import Token

from contacts.models import Person
from demo.management.commands.bootstrap_demo import DEFAULT_DEMO_PASSWORD
from demo.seed import plan_for
from outreach.models import Outreach, Sequence
from sending.models import Mailbox
from tests.factories import OutreachFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def debug(settings):
    settings.DEBUG = True


def test_bootstrap_creates_the_demo_superuser_and_token_once(command, debug):
    out, _ = command("bootstrap_demo", "--no-data")
    user = get_user_model().objects.get(username="demo")
    token = Token.objects.get(user=user)
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password(DEFAULT_DEMO_PASSWORD)
    assert "http://127.0.0.1:8000/" in out
    assert "Username:  demo" in out
    assert f"Password:  {DEFAULT_DEMO_PASSWORD}" in out
    assert f"Authorization: Token {token.key}" in out

    again, _ = command("bootstrap_demo", "--no-data")
    assert get_user_model().objects.filter(username="demo").count() == 1
    assert Token.objects.filter(user=user).count() == 1
    assert f"Authorization: Token {token.key}" in again
    assert "(created)" in out and "(created)" not in again


def test_bootstrap_makes_the_printed_password_work_again(command, debug):
    command("bootstrap_demo", "--no-data")
    user = get_user_model().objects.get(username="demo")
    user.set_password("something-else-99")
    user.is_superuser = False
    user.save()
    command("bootstrap_demo", "--no-data")
    user.refresh_from_db()
    assert user.check_password(DEFAULT_DEMO_PASSWORD)
    assert user.is_superuser


def test_bootstrap_takes_the_password_from_the_environment(command, debug, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "from-env-password-1")
    out, _ = command("bootstrap_demo", "--no-data", "--url", "http://127.0.0.1:9000")
    assert get_user_model().objects.get(username="demo").check_password("from-env-password-1")
    assert "Password:  from-env-password-1" in out
    assert "Outreach is starting at http://127.0.0.1:9000/" in out


def test_bootstrap_refuses_the_published_password_when_debug_is_off(command, settings, monkeypatch):
    settings.DEBUG = False
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    with pytest.raises(CommandError, match="refusing to create a superuser with the published"):
        command("bootstrap_demo")
    assert not get_user_model().objects.filter(username="demo").exists()


def test_bootstrap_loads_demo_data_into_an_empty_database_only(command, debug):
    out, err = command("bootstrap_demo")
    running = Outreach.objects.exclude(mailbox=None).count()
    assert running > 20
    assert Outreach.objects.count() == 300 + running
    assert Person.objects.count() == plan_for(300).people
    assert f"Demo data loaded: {300 + running} outreaches" in out
    assert f"Sequences running: {running} outreaches" in out
    assert "outreaches" in err and "100%" in err  # the progress bar

    out, _ = command("bootstrap_demo")
    assert Outreach.objects.count() == 300 + running
    assert Mailbox.objects.count() == 1
    assert "Demo data loaded" not in out


def test_bootstrap_leaves_a_database_with_outreaches_alone(command, debug):
    OutreachFactory()
    command("bootstrap_demo")
    assert Outreach.objects.count() == 1
    assert not Sequence.objects.exists()


# --- make run: a demo password made once, for a loopback server --------------------------------


def test_a_password_file_gives_a_random_password_made_once(command, debug, monkeypatch, tmp_path):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    path = tmp_path / ".demo_password"
    out, _ = command("bootstrap_demo", "--no-data", "--password-file", str(path))
    password = path.read_text().strip()
    assert len(password) >= 12 and password != DEFAULT_DEMO_PASSWORD
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert f"Password:  {password}" in out
    assert get_user_model().objects.get(username="demo").check_password(password)

    again, _ = command("bootstrap_demo", "--no-data", "--password-file", str(path))
    assert f"Password:  {password}" in again


def test_with_debug_off_the_password_file_serves_a_loopback_address_only(
    command, settings, monkeypatch, tmp_path
):
    settings.DEBUG = False
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    path = tmp_path / ".demo_password"
    for url in ("http://127.0.0.1:8000/", "http://localhost:8024/", "http://[::1]:8000/"):
        out, _ = command("bootstrap_demo", "--no-data", "--url", url, "--password-file", str(path))
        assert f"Password:  {path.read_text().strip()}" in out

    for url in ("http://0.0.0.0:8000/", "http://192.168.1.20:8000/", "http://desk.example/"):
        with pytest.raises(CommandError, match="is not a loopback address"):
            command("bootstrap_demo", "--no-data", "--url", url, "--password-file", str(path))
    # An explicit password is the operator's choice, wherever the server listens.
    monkeypatch.setenv("DEMO_PASSWORD", "chosen-by-the-operator-1")
    out, _ = command(
        "bootstrap_demo", "--no-data", "--url", "http://0.0.0.0:8000/", "--password-file", str(path)
    )
    assert "Password:  chosen-by-the-operator-1" in out
