"""A real SMTP server for the tests: aiosmtpd on 127.0.0.1 (a free port, in a thread of the
test process), with a self-signed certificate for STARTTLS and SSL, optional logins, and
answers to RCPT and DATA that a test may script (4xx, 5xx)."""

import datetime
import ipaddress
import socket
import ssl
from dataclasses import dataclass, field

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from sending import transports

USERNAME = "ada@example.com"
PASSWORD = "correct horse battery staple"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    data: bytes


@dataclass
class SmtpServer:
    host: str
    port: int
    received: list[Received] = field(default_factory=list)
    # An answer to give instead of accepting, e.g. "451 4.3.0 Try again later".
    rcpt_answer: str | None = None
    data_answer: str | None = None
    logins: list[str] = field(default_factory=list)


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.server.rcpt_answer:
            return self.server.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.data_answer:
            return self.server.data_answer
        self.server.received.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content)
        )
        return "250 2.0.0 Ok: queued as T3ST"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 and localhost: (cert path, key path)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def trust_certificate(monkeypatch, certificate):
    """The client trusts the test certificate (and nothing else), verifying it as usual."""
    cert_path, _ = certificate
    monkeypatch.setattr(
        transports, "tls_context", lambda: ssl.create_default_context(cafile=str(cert_path))
    )


def _authenticator(server: SmtpServer):
    def authenticate(smtp, session, envelope, mechanism, auth_data):
        login = auth_data.login.decode() if isinstance(auth_data.login, bytes) else auth_data.login
        password = auth_data.password
        password = password.decode() if isinstance(password, bytes) else password
        ok = login == USERNAME and password == PASSWORD
        if ok:
            server.logins.append(login)
        return AuthResult(success=ok, handled=False)

    return authenticate


@pytest.fixture
def smtp_server(certificate):
    """`smtp_server(tls="none"|"starttls"|"ssl", auth=False)`: a running server, stopped when
    the test ends."""
    controllers = []

    def start(tls: str = "none", auth: bool = False) -> SmtpServer:
        cert_path, key_path = certificate
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert_path, key_path)
        server = SmtpServer("127.0.0.1", free_port())
        options = {}
        if tls == "starttls":
            options["tls_context"] = context
        elif tls == "ssl":
            options["ssl_context"] = context
        if auth:
            # aiosmtpd counts only STARTTLS as TLS when it decides whether to offer AUTH.
            options.update(authenticator=_authenticator(server), auth_require_tls=tls == "starttls")
        controller = Controller(_Handler(server), hostname=server.host, port=server.port, **options)
        controller.start()
        controllers.append(controller)
        return server

    yield start
    for controller in controllers:
        controller.stop()


@pytest.fixture
def owner(user):
    """Alice (the `user` fixture's user, an admin), with an address for test messages."""
    user.email = "alice@example.com"
    user.save(update_fields=["email"])
    return user
