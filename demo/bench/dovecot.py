"""A real IMAP server for the polling tests and the replies bench: Debian's Dovecot, run in the
foreground from a configuration written into a temporary folder (127.0.0.1 on a free port, plain
text, users from a passwd-file, maildirs in the folder), stopped by its pid at the end."""

import grp
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

DOVECOT = Path("/usr/sbin/dovecot")
START_SECONDS = 10
MISSING = (
    "Dovecot is not installed (/usr/sbin/dovecot): apt-get install dovecot-imapd (.ci/run does)"
)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _owners() -> tuple[str, str, str, int, int]:
    """Dovecot's internal user and group, its login user, and the uid and gid mail is kept
    under: as root, Debian's dovecot and dovenull (mail may not belong to root); otherwise
    the caller."""
    if os.geteuid() == 0:
        internal = pwd.getpwnam("dovecot")
        group = grp.getgrgid(internal.pw_gid).gr_name
        return "dovecot", group, "dovenull", internal.pw_uid, internal.pw_gid
    me = pwd.getpwuid(os.geteuid())
    return me.pw_name, grp.getgrgid(me.pw_gid).gr_name, me.pw_name, me.pw_uid, me.pw_gid


CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal}
default_internal_group = {internal_group}
default_login_user = {login}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {root}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  inet_listener http {{
    port = 0
  }}
}}
"""


@dataclass
class Dovecot:
    root: Path
    port: int
    uid: int
    gid: int
    host: str = "127.0.0.1"
    users: dict[str, str] = field(default_factory=dict)

    def add_user(self, username: str, password: str) -> None:
        """A user (passwd-file: Dovecot reads it again when it changes)."""
        self.users[username] = password
        home = self.root / "mail" / username
        lines = [
            f"{name}:{{PLAIN}}{secret}:{self.uid}:{self.gid}::{self.root / 'mail' / name}"
            for name, secret in self.users.items()
        ]
        (self.root / "users").write_text("\n".join(lines) + "\n")
        home.mkdir(parents=True, exist_ok=True)
        os.chown(home, self.uid, self.gid)

    def client(self, username: str) -> IMAPClient:
        client = IMAPClient(self.host, port=self.port, ssl=False, timeout=10)
        client.login(username, self.users[username])
        return client

    def append(self, username: str, *raws: bytes, folder: str = "INBOX") -> None:
        client = self.client(username)
        try:
            if folder != "INBOX" and not client.folder_exists(folder):
                client.create_folder(folder)
            for raw in raws:
                client.append(folder, raw)
        finally:
            client.logout()

    def append_many(self, username: str, raws: list[bytes], *, per_command: int = 500) -> None:
        """Many messages into INBOX, `per_command` at a time in one MULTIAPPEND (RFC 3502)."""
        client = self.client(username)
        try:
            for start in range(0, len(raws), per_command):
                client.multiappend("INBOX", raws[start : start + per_command])
        finally:
            client.logout()

    def recreate_folder(self, username: str, folder: str) -> int:
        """Delete and create the folder again: its UIDVALIDITY changes. Answers the new one."""
        client = self.client(username)
        try:
            client.delete_folder(folder)
            client.create_folder(folder)
            return client.select_folder(folder)[b"UIDVALIDITY"]
        finally:
            client.logout()


def _wait_for(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot exited: {log.read_text() if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"dovecot did not listen on {port} within {START_SECONDS} s")


@contextmanager
def running() -> Iterator[Dovecot]:
    """A running Dovecot (see the module's docstring), its folder removed at the end. Check
    DOVECOT.exists() first (MISSING says why when it does not)."""
    internal, internal_group, login, uid, gid = _owners()
    # Not under a test's own tmp folder: Dovecot's unprivileged users must reach the maildirs.
    root = Path(tempfile.mkdtemp(prefix="dovecot-"))
    root.chmod(0o755)
    for name in ("run", "state", "mail"):
        (root / name).mkdir()
    os.chown(root / "mail", uid, gid)
    port = free_port()
    config = root / "dovecot.conf"
    config.write_text(
        CONFIG.format(
            root=root,
            port=port,
            internal=internal,
            internal_group=internal_group,
            login=login,
        )
    )
    server = Dovecot(root=root, port=port, uid=uid, gid=gid)
    server.add_user("placeholder@example.com", "unused")
    process = subprocess.Popen(
        [str(DOVECOT), "-F", "-c", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(port, process, root / "dovecot.log")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(root, ignore_errors=True)
