"""A real HTTP receiver on loopback, in a thread, that checks each request's signature with
its own HMAC code (written here again on purpose: not the sender's)."""

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def signed_correctly(secret: str, body: bytes, header: str, now: float, window: int = 300) -> bool:
    """The receiver's check, as docs/webhooks.md tells one to write it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    stamp = parts["t"]
    if abs(now - int(stamp)) > window:
        return False
    mac = hmac.new(secret.encode("utf-8"), stamp.encode("ascii") + b"." + body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), parts["v1"])


@dataclass
class Heard:
    path: str
    headers: dict
    body: bytes
    signed: bool
    answered: int

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str = ""
    # What to answer, one per request in turn (the last repeats): a status, or a tuple
    # (status, extra headers, body), or ("sleep", seconds).
    answers: list = field(default_factory=lambda: [200])
    heard: list[Heard] = field(default_factory=list)
    url: str = ""

    def answer_for(self, index: int):
        return self.answers[min(index, len(self.answers) - 1)]


def start(receiver: Receiver) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            answer = receiver.answer_for(len(receiver.heard))
            if isinstance(answer, tuple) and answer[0] == "sleep":
                time.sleep(answer[1])
                answer = 200
            status, extra, text = answer if isinstance(answer, tuple) else (answer, {}, b"ok")
            signed = signed_correctly(
                receiver.secret,
                body,
                self.headers.get("Helpline-Signature", "t=0,v1="),
                time.time(),
            )
            receiver.heard.append(Heard(self.path, dict(self.headers), body, signed, status))
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(text)))
            self.end_headers()
            self.wfile.write(text)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/helpline?source=test"
    return server
