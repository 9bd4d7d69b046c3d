"""A webhook receiver: a real HTTP server on 127.0.0.1 (a free port, in a thread) that keeps
what it was sent and answers as told, so deliveries are tested over the wire."""

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    url: str
    requests: list[Received] = field(default_factory=list)
    # Answers to give, in order (status, seconds to wait first); then `default`.
    script: list[tuple[int, float]] = field(default_factory=list)
    default: tuple[int, float] = (200, 0.0)

    def answer(self, *statuses: int, delay: float = 0.0) -> None:
        self.script.extend((status, delay) for status in statuses)


def _handler(receiver: Receiver):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            receiver.requests.append(Received(self.path, dict(self.headers.items()), body))
            status, delay = receiver.script.pop(0) if receiver.script else receiver.default
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url + "/elsewhere")
                self.end_headers()
                self.wfile.write(b"got it " + b"x" * 1000)
            except (BrokenPipeError, ConnectionResetError):  # the sender gave up (a timeout)
                pass

        def log_message(self, *args):  # quiet test output
            pass

    return Handler


@pytest.fixture
def receiver(settings):
    """A receiver on a free local port; the private-address guard is off for it."""
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    receiver = Receiver(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield receiver
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
