"""Real local servers for delivery tests: an HTTP webhook receiver and an SMTP sink.

Both listen on 127.0.0.1 on a free port, serve from a thread, and are shut down
and closed on exit so that no socket outlives its test.
"""

import http.server
import socketserver
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class Received:
    path: str
    headers: dict[str, str]  # names in lower case: HTTP names are case-insensitive
    body: bytes


@dataclass
class WebhookLog:
    requests: list[Received] = field(default_factory=list)
    # Status codes to answer with, in order; 200 once they run out.
    statuses: list[int] = field(default_factory=list)
    delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    url: str = ""


class _WebhookHandler(http.server.BaseHTTPRequestHandler):
    server: "_WebhookServer"

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        log = self.server.log
        time.sleep(log.delay)
        with log.lock:
            headers = {k.lower(): v for k, v in self.headers.items()}
            log.requests.append(Received(self.path, headers, body))
            status = log.statuses.pop(0) if log.statuses else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep test output quiet


class _WebhookServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    log: WebhookLog


@contextmanager
def webhook_server(**kw: object) -> Iterator[WebhookLog]:
    log = WebhookLog(**kw)  # type: ignore[arg-type]
    with _serving(_WebhookServer(("127.0.0.1", 0), _WebhookHandler)) as server:
        server.log = log
        log.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/sla"
        yield log


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    data: bytes


@dataclass
class MailLog:
    messages: list[Mail] = field(default_factory=list)
    port: int = 0


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP (RFC 5321) for smtplib: EHLO, MAIL, RCPT, DATA, QUIT."""

    server: "_SmtpServer"

    def handle(self) -> None:
        self._reply("220 localhost test SMTP")
        sender, recipients, lines, in_data = "", [], [], False
        while line := self.rfile.readline():
            if in_data:
                if line.rstrip(b"\r\n") == b".":
                    self.server.log.messages.append(
                        Mail(sender, recipients, b"".join(lines))
                    )
                    sender, recipients, lines, in_data = "", [], [], False
                    self._reply("250 queued")
                else:
                    lines.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line.decode().strip()
            verb = command[:4].upper()
            if verb == "EHLO":
                self._reply("250-localhost", "250 8BITMIME")
            elif verb in ("HELO", "RSET", "NOOP"):
                self._reply("250 ok")
            elif verb == "MAIL":
                sender = command.split(":", 1)[1].strip().strip("<>").split(">")[0]
                self._reply("250 ok")
            elif verb == "RCPT":
                recipients.append(command.split(":", 1)[1].strip().strip("<>"))
                self._reply("250 ok")
            elif verb == "DATA":
                in_data = True
                self._reply("354 end with <CRLF>.<CRLF>")
            elif verb == "QUIT":
                self._reply("221 bye")
                return
            else:
                self._reply("502 not implemented")

    def _reply(self, *lines: str) -> None:
        self.wfile.write("".join(f"{line}\r\n" for line in lines).encode())


class _SmtpServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    log: MailLog


@contextmanager
def smtp_server() -> Iterator[MailLog]:
    log = MailLog()
    with _serving(_SmtpServer(("127.0.0.1", 0), _SmtpHandler)) as server:
        server.log = log
        log.port = server.server_address[1]
        yield log


@contextmanager
def _serving(server: socketserver.BaseServer) -> Iterator[socketserver.BaseServer]:
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
