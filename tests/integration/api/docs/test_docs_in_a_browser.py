"""The docs pages render in a real browser with no internet access.

A real ``chirp serve`` (on a SQLite file of its own: the pages touch no database) and headless
Chromium, which may resolve no host name, so anything a page would fetch from elsewhere
fails. The rendered DOM must hold the operation list; the browser's console must show no
Content-Security-Policy refusal of anything Chirp serves (refusals of other origins are
fine: they are the offline guarantee at work). Skipped without Chromium, except under CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.chirp_process import chirp_env, chirp_serve

BROWSER_TIMEOUT = 90


@pytest.fixture(scope="module")
def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but chromium was not found (Debian package chromium)")
        pytest.skip("chromium not found; install the Debian package chromium")
    return found


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``chirp serve`` on a free loopback port; its base URL."""
    root = tmp_path_factory.mktemp("docs-server")
    env = chirp_env(root, f"sqlite+aiosqlite:///{root / 'chirp.db'}")
    with chirp_serve(env, root / "server.log", cwd=root) as served:
        yield served.url


@dataclass
class Rendered:
    dom: str
    console: list[str]


def render(chromium: str, url: str, profile: Path) -> Rendered:
    """The page's DOM once its scripts ran, and what the browser logged."""
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            # Only the server resolves: whatever the page wants from elsewhere, it cannot have.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=15000",
            "--dump-dom",
            url,
        ],
        capture_output=True,
        text=True,
        timeout=BROWSER_TIMEOUT,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    console = [line for line in result.stderr.splitlines() if "CONSOLE" in line]
    return Rendered(result.stdout, console)


def refused_own_resources(rendered: Rendered, base_url: str) -> list[str]:
    """Console lines where the page's CSP refused something of Chirp's (or inline code)."""
    refusals = [line for line in rendered.console if "Content Security Policy" in line]
    foreign = re.compile(r"'(https?://[^']+)' violates")
    return [
        line
        for line in refusals
        if not ((m := foreign.search(line)) and not m.group(1).startswith(base_url))
    ]


def test_swagger_ui_renders_the_operations_offline(
    chromium: str, base_url: str, tmp_path: Path
) -> None:
    rendered = render(chromium, f"{base_url}/schema/swagger", tmp_path / "profile")

    paths = set(re.findall(r'class="opblock-summary-path" data-path="([^"]+)"', rendered.dom))
    assert {"/api/v1/auth/login", "/api/v1/tweets", "/api/v1/feed"} <= paths, rendered.console
    assert not refused_own_resources(rendered, base_url)


def test_redoc_renders_the_operations_offline(chromium: str, base_url: str, tmp_path: Path) -> None:
    rendered = render(chromium, f"{base_url}/schema/redoc", tmp_path / "profile")

    # An operation's heading, and the method and path ReDoc shows for it.
    heading = r'<h2[^>]*><a[^>]*href="#tag/auth/operation/[^"]+"[^>]*></a>Login'
    assert re.search(heading, rendered.dom), rendered.console
    assert re.search(r">post</span><span[^>]*>/api/v1/auth/login<", rendered.dom)
    assert not refused_own_resources(rendered, base_url)
