"""Who may read GET /metrics (the decision; the HTTP answers are integration tests), and
the CHIRP_METRICS_TOKEN it compares with."""

from __future__ import annotations

import pytest

from entrypoints.config import AppConfig, ConfigError
from entrypoints.http.metrics import MetricsAccess, metrics_access

TOKEN = "s3cret-token_0123456789"
ALLOWED, UNAUTHENTICATED, FORBIDDEN = (
    MetricsAccess.ALLOWED,
    MetricsAccess.UNAUTHENTICATED,
    MetricsAccess.FORBIDDEN,
)


@pytest.mark.parametrize(
    ("authorization", "expected"),
    [
        (f"Bearer {TOKEN}", ALLOWED),
        (f"bearer {TOKEN}", ALLOWED),  # the scheme is case-insensitive (RFC 9110)
        (f"BEARER  {TOKEN} ", ALLOWED),
        (None, UNAUTHENTICATED),
        ("", UNAUTHENTICATED),
        ("Bearer", UNAUTHENTICATED),
        ("Bearer ", UNAUTHENTICATED),
        (f"Bearer {TOKEN[:-1]}", UNAUTHENTICATED),
        (f"Bearer {TOKEN}x", UNAUTHENTICATED),
        (f"Bearer {TOKEN.upper()}", UNAUTHENTICATED),
        (f"Basic {TOKEN}", UNAUTHENTICATED),
        (TOKEN, UNAUTHENTICATED),
        ("Bearer tökén", UNAUTHENTICATED),
    ],
)
def test_with_a_token_the_bearer_header_decides(
    authorization: str | None, expected: MetricsAccess
) -> None:
    for peer in ("127.0.0.1", "203.0.113.9", None):
        for relayed in (False, True):
            decided = metrics_access(
                token=TOKEN, authorization=authorization, peer=peer, relayed=relayed
            )
            assert decided is expected, (authorization, peer, relayed)


@pytest.mark.parametrize(
    ("peer", "expected"),
    [
        ("127.0.0.1", ALLOWED),
        ("127.255.0.9", ALLOWED),
        ("::1", ALLOWED),
        ("::ffff:127.0.0.1", ALLOWED),
        ("10.0.0.1", FORBIDDEN),
        ("192.168.1.1", FORBIDDEN),
        ("0.0.0.0", FORBIDDEN),  # noqa: S104  # a peer address here, not a bind
        ("::", FORBIDDEN),
        ("::ffff:10.0.0.1", FORBIDDEN),
        ("2001:db8::1", FORBIDDEN),
        ("localhost", FORBIDDEN),  # not an address
        ("", FORBIDDEN),
        (None, FORBIDDEN),  # no peer known (e.g. a Unix socket)
    ],
)
def test_without_a_token_only_loopback_peers(peer: str | None, expected: MetricsAccess) -> None:
    assert metrics_access(token=None, authorization=None, peer=peer, relayed=False) is expected
    # A header never admits anyone when no token is set.
    with_header = metrics_access(
        token=None, authorization=f"Bearer {TOKEN}", peer=peer, relayed=False
    )
    assert with_header is expected


def test_without_a_token_a_relayed_request_is_refused_even_from_loopback() -> None:
    assert metrics_access(token=None, authorization=None, peer="127.0.0.1", relayed=True) is (
        FORBIDDEN
    )


def config(**variables: str) -> AppConfig:
    return AppConfig.from_env({"CHIRP_JWT_SECRET": "s" * 32, **variables})


def test_the_token_is_read_from_the_environment_and_never_shown() -> None:
    assert config().metrics_token is None
    assert config(CHIRP_METRICS_TOKEN="").metrics_token is None
    configured = config(CHIRP_METRICS_TOKEN=TOKEN)
    assert configured.metrics_token == TOKEN
    assert TOKEN not in repr(configured)


@pytest.mark.parametrize(
    "token", ["short", "has a space in it......", "tökén-0123456789abc", "a" * 15, "x=y" * 6]
)
def test_a_token_that_cannot_be_a_bearer_token_or_is_short_is_refused(token: str) -> None:
    with pytest.raises(ConfigError, match="CHIRP_METRICS_TOKEN") as raised:
        config(CHIRP_METRICS_TOKEN=token)
    assert token not in str(raised.value)
