"""Broken HTTP framing, sent over raw sockets to a real ``chirp serve`` (Granian).

An ASGI test transport cannot send these: a body cut off before its Content-Length, or a
chunk size no parser accepts. Granian reports both to the app as ``http.disconnect``.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from devservers.ports import HOST
from tests.support.api import PASSWORD
from tests.support.chirp_process import chirp_env, chirp_serve


class Server:
    def __init__(self, port: int, stderr: Path) -> None:
        self.port = port
        self.stderr = stderr
        self.base_url = f"http://{HOST}:{port}"

    def exchange(self, request: bytes) -> bytes:
        """Sends ``request``, closes the sending side, and returns all that came back."""
        with socket.create_connection((HOST, self.port), timeout=10) as sock:
            sock.sendall(request)
            sock.shutdown(socket.SHUT_WR)
            received = b""
            while chunk := sock.recv(65536):
                received += chunk
            return received


@pytest.fixture
def server(engine: AsyncEngine, tmp_path: Path) -> Iterator[Server]:
    """``chirp serve`` on the database under test; its JSON log goes to a file."""
    env = chirp_env(tmp_path, engine.url.render_as_string(hide_password=False))
    with chirp_serve(env, tmp_path / "server.log") as served:
        yield Server(served.port, served.log)


def head(method: str, path: str, *lines: str) -> bytes:
    return "\r\n".join([f"{method} {path} HTTP/1.1", f"Host: {HOST}", *lines, "", ""]).encode()


def status_of(response: bytes) -> int | None:
    """The response's status code, or None when the server closed without answering."""
    if not response:
        return None
    return int(response.split(b" ", 2)[1])


def test_a_cut_off_or_misframed_body_is_a_client_error_and_logs_no_error(
    server: Server,
) -> None:
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        registered = http.post(
            "/api/v1/auth/register",
            json={"username": "alice", "email": "alice@example.com", "password": PASSWORD},
        )
    assert registered.status_code == 201, registered.text
    bearer = f"Authorization: Bearer {registered.json()['tokens']['access_token']}"
    json_type = "Content-Type: application/json"
    multipart_type = "Content-Type: multipart/form-data; boundary=XyZ"
    cut_off = "Content-Length: 1000"
    chunked = "Transfer-Encoding: chunked"
    bad_chunks = b"FFFFFFFFFFFFFFFFFF\r\nabc\r\n0\r\n\r\n"
    requests = {
        "login, cut off": head("POST", "/api/v1/auth/login", json_type, cut_off) + b'{"username',
        "login, bad chunk": head("POST", "/api/v1/auth/login", json_type, chunked) + bad_chunks,
        "me, cut off": head("PATCH", "/api/v1/me", bearer, json_type, cut_off) + b'{"bio": "',
        "me, bad chunk": head("PATCH", "/api/v1/me", bearer, json_type, chunked) + bad_chunks,
        "tweet upload, cut off": (
            head("POST", "/api/v1/tweets", bearer, multipart_type, cut_off)
            + b'--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\nhel'
        ),
    }

    statuses = {name: status_of(server.exchange(request)) for name, request in requests.items()}

    assert all(status in (400, None) for status in statuses.values()), statuses
    # The server is still fine, and said nothing alarming about any of it.
    with httpx.Client(base_url=server.base_url, timeout=10) as http:
        assert http.get("/api/v1/users/alice").status_code == 200
    log = server.stderr.read_text()
    assert "ERROR" not in log, log[-3000:]
    assert "Traceback" not in log, log[-3000:]
