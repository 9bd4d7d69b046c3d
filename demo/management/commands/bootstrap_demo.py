"""`manage.py bootstrap_demo`: what `make run` does after migrating, so a fresh checkout is usable.

It makes sure the demo superuser exists with the demo password and an API token, loads a small
demo data set when the database has no outreaches (with a local mailbox of the demo user and a
few dozen outreaches running sequences through it: `demo.seed.running`), and prints how to log
in and call the API. Running it again changes nothing but the printout.
"""

import ipaddress
import os
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from rest_framework.authtoken.models import Token

from core.local_secrets import read_or_create_secret
from demo.seed import DEFAULT_SEED, seed_demo
from demo.seed.running import start_demo_sequences
from demo.seed.writer import DEMO_WORKSPACE
from outreach.models import Outreach
from workspaces.choices import Role
from workspaces.selectors import membership_of
from workspaces.services import member_add, workspace_get_or_create

DEMO_USERNAME = "demo"
DEFAULT_DEMO_PASSWORD = "demo-pass-2024"
DEMO_OUTREACHES = 300


def is_loopback(url: str) -> bool:
    """Whether the address is this machine only (127.0.0.0/8, ::1, localhost)."""
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@transaction.atomic
def ensure_demo_user(*, username: str, password: str) -> tuple[object, Token, bool]:
    """Create the demo superuser and its token, or bring them back to what the printout says.

    Returns (user, token, created).
    """
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"first_name": "Demo", "last_name": "User", "email": "demo@example.com"},
    )
    changed = []
    for flag in ("is_superuser", "is_staff", "is_active"):
        if not getattr(user, flag):
            setattr(user, flag, True)
            changed.append(flag)
    # The printed password must work, even if someone changed it since the last run.
    if not user.check_password(password):
        user.set_password(password)
        changed.append("password")
    if changed:
        user.save(update_fields=changed)
    token, _ = Token.objects.get_or_create(user=user)
    # The demo user is an admin of the workspace the demo data is loaded into.
    workspace, _ = workspace_get_or_create(DEMO_WORKSPACE)
    membership = membership_of(user)
    if membership is None or (membership.workspace_id, membership.role) != (
        workspace.pk,
        Role.ADMIN,
    ):
        member_add(workspace=workspace, user=user, role=Role.ADMIN, actor=None)
    return user, token, created


class Command(BaseCommand):
    help = (
        "Create the demo superuser and API token (idempotent), load demo data when the database "
        "has no outreaches, and print the login."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--url", default="http://127.0.0.1:8000/", help="The address to print for the app."
        )
        parser.add_argument(
            "--outreaches",
            type=int,
            default=DEMO_OUTREACHES,
            help=f"Size of the demo data set loaded into an empty database "
            f"(default {DEMO_OUTREACHES}).",
        )
        parser.add_argument(
            "--no-data", action="store_true", help="Only the user and token, no demo data."
        )
        parser.add_argument(
            "--password-file",
            default="",
            help="Without DEMO_PASSWORD: keep a random password in this file (made once, mode "
            "600). With DEBUG off only for a loopback --url.",
        )

    def password(self, *, url: str, password_file: str) -> str:
        """DEMO_PASSWORD; else the one kept in --password-file; else (DEBUG only) the published
        one. A superuser whose password sits in a file of the checkout is only for a server
        nobody else can reach: with DEBUG off, the file is used for a loopback address only."""
        if os.environ.get("DEMO_PASSWORD"):
            return os.environ["DEMO_PASSWORD"]
        if password_file:
            if not settings.DEBUG and not is_loopback(url):
                raise CommandError(
                    f"DEBUG is off and {url} is not a loopback address: refusing to create a "
                    "superuser whose password is kept in a file. Set DEMO_PASSWORD, or create "
                    "an account with `manage.py createsuperuser`."
                )
            return read_or_create_secret(password_file, nbytes=12)
        return DEFAULT_DEMO_PASSWORD

    def handle(self, *args, url: str, outreaches: int, no_data: bool, **options) -> None:
        password = self.password(url=url, password_file=options["password_file"])
        if not settings.DEBUG and password == DEFAULT_DEMO_PASSWORD:
            raise CommandError(
                "DEBUG is off: refusing to create a superuser with the published demo password. "
                "Set DEMO_PASSWORD, or create an account with `manage.py createsuperuser`."
            )
        if outreaches < 1:
            raise CommandError("--outreaches must be at least 1.")
        user, token, created = ensure_demo_user(username=DEMO_USERNAME, password=password)

        loaded = running = None
        if not no_data and not Outreach._base_manager.exists():  # an empty database only
            # The raw stream: the progress bar redraws its line with \r, without newlines.
            stream = self.stderr._out if options["verbosity"] > 0 else None
            # One transaction: a failure leaves no half demo behind (which the next run would
            # take for data and keep).
            with transaction.atomic():
                loaded = seed_demo(outreaches=outreaches, seed=DEFAULT_SEED, stream=stream)
                workspace, _ = workspace_get_or_create(DEMO_WORKSPACE)
                running = start_demo_sequences(workspace=workspace, user=user, now=timezone.now())
            loaded.counts["outreaches"] += running.started

        url = url if url.endswith("/") else url + "/"
        lines = [
            "",
            "=" * 72,
            f"  Outreach is starting at {url}",
            "",
            f"  Username:  {user.get_username()}" + ("  (created)" if created else ""),
            f"  Password:  {password}",
            f"  API token: Authorization: Token {token.key}",
            "",
            f'  Try:  curl -H "Authorization: Token {token.key}" {url}api/outreaches',
            f"  API docs: {url}api/docs    Admin: {url}admin/",
        ]
        if loaded is not None:
            summary = ", ".join(
                f"{loaded.counts.get(k, 0):,} {k}" for k in ("outreaches", "people", "companies")
            )
            lines.append(f"  Demo data loaded: {summary}.")
        if running is not None and running.started:
            lines.append(
                f"  Sequences running: {running.started} outreaches send from the local "
                f"mailbox “{running.mailbox.name}”;"
            )
            lines.append(
                f"  the worker sends the {running.due_now} due now (stored, nothing leaves "
                "this machine)."
            )
        lines += ["=" * 72, ""]
        self.stdout.write("\n".join(lines))
