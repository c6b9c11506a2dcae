"""Child processes (servers and one-shot commands) and a small JSON-over-HTTP client."""

# The harness runs only programs it names itself (chirp, wrk, pgbench, taskset), never a shell.
# ruff: noqa: S603

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from devservers.ports import HOST

_STOP_TIMEOUT = 15.0


def log(message: str) -> None:
    print(f"[bench] {message}", flush=True)


def pinned(command: Sequence[str], cpus: str | None) -> list[str]:
    """``command`` under ``taskset -c cpus`` (unchanged when ``cpus`` is None)."""
    return ["/usr/bin/taskset", "-c", cpus, *command] if cpus else list(command)


def run(
    command: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    stdin: str | None = None,
    timeout: float,
) -> str:
    """Run to completion; return its output, or raise with the output on failure."""
    result = subprocess.run(
        list(command),
        input=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=dict(env) if env is not None else None,
        cwd=cwd,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout[-4000:]}"
        )
    return result.stdout


class Server:
    """A server in a process group of its own, stopped (the whole group) by ``stop()``."""

    def __init__(
        self,
        name: str,
        command: Sequence[str],
        *,
        port: int,
        env: Mapping[str, str],
        cwd: Path,
        log_path: Path,
    ) -> None:
        self.name = name
        self.port = port
        self.log_path = log_path
        self._command = list(command)
        self._env = dict(env)
        self._cwd = cwd
        self._proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    def start(self) -> None:
        with self.log_path.open("ab") as output:
            # A group of its own: Ctrl-C reaches the harness only, which then stops it.
            self._proc = subprocess.Popen(
                self._command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                env=self._env,
                cwd=self._cwd,
                start_new_session=True,
            )

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self._proc.returncode}:\n{self.log_tail()}"
                )
            try:
                status, _ = request_json("GET", self.url + path, timeout=2.0)
            except OSError:
                status = 0
            if status == 200:
                return
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} not ready after {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, limit: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-limit:]
        except OSError as error:
            return f"<cannot read {self.log_path}: {error}>"

    def stop(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                proc.wait(_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                log(f"{self.name} ignored {sig.name}")
                continue
            break
        # Workers left behind by a killed master still carry its process group id.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        log(f"{self.name} stopped")


def request_json(
    method: str,
    url: str,
    body: object | None = None,
    token: str | None = None,
    timeout: float = 30.0,
) -> tuple[int, Any]:
    """Status and decoded JSON body (None when empty) of one request."""
    data = None if body is None else json.dumps(body).encode()
    if not url.startswith("http://"):
        raise ValueError(f"not an http URL: {url}")
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return int(status), json.loads(raw) if raw else None
    except ValueError:
        return int(status), raw.decode(errors="replace")


def expect(status: int, body: Any, wanted: int, what: str) -> Any:
    if status != wanted:
        raise RuntimeError(f"{what}: HTTP {status}, expected {wanted}: {body}")
    return body


def output_of(command: Sequence[str], timeout: float = 30.0) -> str:
    """First line of a command's output whatever its exit status ('' if it cannot run)."""
    try:
        result = subprocess.run(
            list(command),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    lines = result.stdout.strip().splitlines()
    return lines[0].strip() if lines else ""
