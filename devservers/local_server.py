"""What the throwaway PostgreSQL and Redis of the tests have in common.

A ``LocalServer`` owns a private temporary directory (handed to an unprivileged user when the
tests run as root, since PostgreSQL refuses to run as root), a log file in it, and one
process listening on a free loopback port. ``start`` retries on another port when one is
taken between probing and binding; ``close`` stops the process and removes the directory.
Only the standard library is used.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path

from devservers.ports import free_port

UNPRIVILEGED_USER = "nobody"
_PORT_ATTEMPTS = 3
_STOP_TIMEOUT = 10.0


def _traversable_by_others(path: Path) -> bool:
    return all(p.stat().st_mode & 0o001 for p in (path, *path.parents))


class LocalServer:
    """One server process; subclasses say how to launch it and when it is ready."""

    name = "server"
    stop_signal = signal.SIGTERM

    def __init__(self, prefix: str, log_name: str) -> None:
        self.account: tuple[int, int] | None = None
        if os.geteuid() == 0:
            try:
                entry = pwd.getpwnam(UNPRIVILEGED_USER)
            except KeyError:
                raise RuntimeError(
                    f"running as root but user {UNPRIVILEGED_USER!r} does not exist"
                ) from None
            self.account = (entry.pw_uid, entry.pw_gid)
            # The unprivileged user must reach its directory; mkdtemp's 0700 mode plus the
            # chown below keep it private.
            tmp = Path(tempfile.gettempdir()).resolve()
            if not _traversable_by_others(tmp):
                raise RuntimeError(
                    f"{UNPRIVILEGED_USER!r} cannot traverse the temporary directory "
                    f"{tmp}; point TMPDIR at a world-traversable place such as /tmp"
                )
        self.root = Path(tempfile.mkdtemp(prefix=prefix))
        if self.account is not None:
            os.chown(self.root, *self.account)
        self.log = self.root / log_name
        self.port = 0
        self.proc: subprocess.Popen[bytes] | None = None

    def owned_dir(self, name: str) -> Path:
        """A private directory inside the root, owned by the server's user."""
        path = self.root / name
        path.mkdir(mode=0o700)
        if self.account is not None:
            os.chown(path, *self.account)
        return path

    def log_tail(self, limit: int = 4000) -> str:
        try:
            return self.log.read_text(errors="replace")[-limit:]
        except OSError as exc:
            return f"<cannot read {self.log}: {exc}>"

    def as_user(self) -> dict[str, object]:
        """``subprocess`` arguments that run a child as the server's user."""
        if self.account is None:
            return {}
        return {"user": self.account[0], "group": self.account[1], "extra_groups": []}

    def spawn(
        self, args: Sequence[str], env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        with self.log.open("ab") as log:
            # Own session: a Ctrl-C aimed at pytest must not reach the server before the
            # fixture has shut it down in order.
            return subprocess.Popen(  # type: ignore[call-overload,no-any-return]
                args,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.root,
                start_new_session=True,
                **self.as_user(),
            )

    def _launch(self) -> subprocess.Popen[bytes]:
        raise NotImplementedError

    def _wait_ready(self, proc: subprocess.Popen[bytes]) -> bool:
        """True once the server answers, False if it died."""
        raise NotImplementedError

    def start(self) -> None:
        for attempt in range(1, _PORT_ATTEMPTS + 1):
            self.port = free_port()
            self.proc = self._launch()
            if self._wait_ready(self.proc):
                return
            tail = self.log_tail()
            # Another process may grab the port between probing and binding.
            if "Address already in use" not in tail or attempt == _PORT_ATTEMPTS:
                raise RuntimeError(
                    f"{self.name} exited with code {self.proc.returncode} during "
                    f"start-up; log tail:\n{tail}"
                )

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(self.stop_signal)
        try:
            proc.wait(_STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def close(self) -> None:
        """Stop the server and delete the directory; safe to call repeatedly."""
        try:
            self.stop()
        finally:
            if self.root.exists():
                try:
                    shutil.rmtree(self.root)
                except OSError as exc:
                    warnings.warn(f"could not remove {self.root}: {exc}", stacklevel=2)
