"""Trusted proxies, CORS origins and JSON log lines: parsing and the pure functions."""

from __future__ import annotations

import json
import logging
import sys
from ipaddress import IPv4Network, IPv6Network, ip_network

import pytest

from entrypoints.config import AppConfig, ConfigError
from entrypoints.http.client_address import address_group, pick_client_address
from entrypoints.logs import JsonFormatter

SECRET = "s" * 32


def config(**variables: str) -> AppConfig:
    return AppConfig.from_env({"CHIRP_JWT_SECRET": SECRET, **variables})


def networks(*texts: str) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(text) for text in texts)


# --- Configuration ---


def test_by_default_no_proxy_is_trusted_and_no_origin_allowed() -> None:
    assert config().trusted_proxies == ()
    assert config().cors_origins == ()


def test_trusted_proxies_are_addresses_and_networks() -> None:
    parsed = config(CHIRP_TRUSTED_PROXIES=" 10.0.0.1, 192.168.0.0/16 ,fd00::/8,,::1 ")
    assert parsed.trusted_proxies == networks("10.0.0.1/32", "192.168.0.0/16", "fd00::/8", "::1")


@pytest.mark.parametrize(
    "value", ["10.0.0.300", "proxy.internal", "10.0.0.1/33", "192.168.1.1/24", "10.0.0.0/8;"]
)
def test_a_bad_trusted_proxy_refuses_to_start(value: str) -> None:
    with pytest.raises(ConfigError, match="CHIRP_TRUSTED_PROXIES") as raised:
        config(CHIRP_TRUSTED_PROXIES=f"10.0.0.1,{value}")
    assert repr(value) in str(raised.value)


def test_cors_origins_are_read_and_lower_cased() -> None:
    parsed = config(CHIRP_CORS_ORIGINS="https://App.Example.com, http://localhost:5173")
    assert parsed.cors_origins == ("https://app.example.com", "http://localhost:5173")
    assert config(CHIRP_CORS_ORIGINS="*").cors_origins == ("*",)


@pytest.mark.parametrize(
    "value",
    [
        "app.example.com",
        "https://app.example.com/",
        "https://app.example.com/path",
        "ftp://app.example.com",
        "https://user@app.example.com",
        "https://app.example.com:99999",
        "https://app.example.com?x=1",
    ],
)
def test_a_bad_cors_origin_refuses_to_start(value: str) -> None:
    with pytest.raises(ConfigError, match=r"CHIRP_CORS_ORIGINS.*not an origin"):
        config(CHIRP_CORS_ORIGINS=value)


# --- Picking the client's address ---

PROXY = networks("10.0.0.0/8", "2001:db8:ffff::/48")


@pytest.mark.parametrize(
    ("peer", "forwarded_for", "trusted", "expected"),
    [
        # No trusted proxies: X-Forwarded-For is never read.
        ("203.0.113.7", "198.51.100.1", (), "203.0.113.7"),
        # An untrusted peer cannot speak for anyone else.
        ("203.0.113.7", "198.51.100.1", PROXY, "203.0.113.7"),
        # A trusted peer: the nearest untrusted hop, read from the right.
        ("10.0.0.2", "198.51.100.1", PROXY, "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1", PROXY, "198.51.100.1"),
        ("10.0.0.2", "6.6.6.6, 198.51.100.1, 10.1.2.3 ,10.0.0.9", PROXY, "198.51.100.1"),
        # IPv6 hops and networks; addresses come back in their canonical form.
        ("2001:db8:ffff::1", "2001:DB8:0:0::42", PROXY, "2001:db8::42"),
        ("10.0.0.2", "2001:db8::42, 2001:db8:ffff:1::5", PROXY, "2001:db8::42"),
        ("::ffff:10.0.0.2", "198.51.100.1", PROXY, "198.51.100.1"),
        # Every hop trusted: the leftmost (the request began inside).
        ("10.0.0.2", "10.9.9.9, 10.0.0.3", PROXY, "10.9.9.9"),
        # Garbage on the way: the peer.
        ("10.0.0.2", "198.51.100.1, not-an-ip", PROXY, "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1,, 10.0.0.3", PROXY, "10.0.0.2"),
        ("10.0.0.2", "198.51.100.1\n", PROXY, "198.51.100.1"),
        ("10.0.0.2", "198.51.100.1\r\nX: y", PROXY, "10.0.0.2"),
        # Garbage left of the first untrusted hop is never looked at.
        ("10.0.0.2", "<script>, 198.51.100.1", PROXY, "198.51.100.1"),
        # No header: the peer.
        ("10.0.0.2", None, PROXY, "10.0.0.2"),
        ("10.0.0.2", "", PROXY, "10.0.0.2"),
        # A peer that is not an IP address (a Unix socket, a test transport) or none.
        ("testclient", "198.51.100.1", PROXY, "testclient"),
        (None, "198.51.100.1", PROXY, "unknown"),
    ],
)
def test_the_client_address(
    peer: str | None,
    forwarded_for: str | None,
    trusted: tuple[IPv4Network | IPv6Network, ...],
    expected: str,
) -> None:
    assert pick_client_address(peer, forwarded_for, trusted) == expected


@pytest.mark.parametrize(
    ("forwarded_for", "expected"),
    [
        ("203.0.113.7:4711", "203.0.113.7"),
        ("198.51.100.1:0", "198.51.100.1"),
        ("198.51.100.1:65535", "198.51.100.1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("[2001:db8::1]:4711", "2001:db8::1"),
        (" [2001:DB8:0::1]:4711 ", "2001:db8::1"),
        ("[::ffff:198.51.100.1]:80", "198.51.100.1"),
        # Trusted hops with ports are passed over like those without.
        ("198.51.100.1:1, 10.0.0.3:80, [2001:db8:ffff::9]:443", "198.51.100.1"),
        ("6.6.6.6:1, [2001:db8::42]:2, 10.0.0.3", "2001:db8::42"),
        ("10.9.9.9:5, [2001:db8:ffff::9]:443", "10.9.9.9"),
        # Unbracketed, an IPv6 address is read whole: its last group is no port.
        ("2001:db8::1:443", "2001:db8::1:443"),
        # Garbage left of the first untrusted hop is never looked at.
        ("[2001:db8::1, 198.51.100.1:80", "198.51.100.1"),
    ],
)
def test_a_forwarded_entry_with_a_port_or_in_brackets_is_read(
    forwarded_for: str, expected: str
) -> None:
    assert pick_client_address("10.0.0.2", forwarded_for, PROXY) == expected


@pytest.mark.parametrize(
    "entry",
    [
        "[2001:db8::1",
        "2001:db8::1]",
        "[2001:db8::1]:",
        "[2001:db8::1]:99999",
        "[2001:db8::1]:65536",
        "[2001:db8::1]:4711:1",
        "[2001:db8::1]x",
        "[2001:db8::1]4711",
        "[ 2001:db8::1]",
        "[[2001:db8::1]]",
        "[]",
        "[198.51.100.1]",
        "[198.51.100.1]:80",
        "198.51.100.1:",
        "198.51.100.1:65536",
        "198.51.100.1:123456",
        "198.51.100.1:+80",
        "198.51.100.1:-1",
        "198.51.100.1: 80",
        "198.51.100.1 :80",
        "198.51.100.1:\u0668\u0660",  # Arabic-Indic digits
        "198.51.100.1:8_0",
        ":80",
        "example.com:80",
        "unknown:80",
    ],
)
def test_a_malformed_forwarded_entry_gives_the_peer(entry: str) -> None:
    # Whatever a client forges left of it, and on its own.
    assert pick_client_address("10.0.0.2", f"6.6.6.6, {entry}", PROXY) == "10.0.0.2"
    assert pick_client_address("10.0.0.2", entry, PROXY) == "10.0.0.2"
    assert pick_client_address("10.0.0.2", f"{entry}, 10.0.0.3:80", PROXY) == "10.0.0.2"


# --- JSON log lines ---


def record(message: str, *args: object, **extra: object) -> logging.LogRecord:
    made = logging.LogRecord("chirp.test", logging.WARNING, __file__, 1, message, args, None)
    made.__dict__.update(extra)
    return made


def test_a_log_line_is_one_json_object_with_the_standard_fields() -> None:
    line = JsonFormatter().format(
        record(
            "login failed for %s",
            "x",
            request_id="abc",
            fields={"event": "login_failed", "user_id": 7, "level": "forged"},
        )
    )
    entry = json.loads(line)
    assert entry["timestamp"].endswith("Z")
    assert entry["level"] == "WARNING"
    assert entry["logger"] == "chirp.test"
    assert entry["message"] == "login failed for x"
    assert entry["request_id"] == "abc"
    assert entry["event"] == "login_failed"
    assert entry["user_id"] == 7


def test_no_user_string_can_start_a_line_of_its_own() -> None:
    forged = 'bob\n{"level": "INFO", "event": "login_succeeded"}\r\u2028\u2029\x85\x1b[31m'
    line = JsonFormatter().format(record("%s", forged, fields={"username": forged}))
    assert line.isascii()
    assert len(line.splitlines()) == 1
    assert json.loads(line)["username"] == forged


def test_an_exception_stays_inside_its_line() -> None:
    try:
        raise ValueError("first\nsecond")
    except ValueError:
        made = record("boom")
        made.exc_info = sys.exc_info()
    line = JsonFormatter().format(made)
    assert len(line.splitlines()) == 1
    assert "ValueError: first\nsecond" in json.loads(line)["exception"]


@pytest.mark.parametrize(
    ("address", "group"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::/64"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("::ffff:10.0.0.1", "::ffff:10.0.0.1"),  # v4-mapped stays one address
        ("unknown", "unknown"),
    ],
)
def test_per_address_limits_count_an_ipv6_client_by_its_64(address: str, group: str) -> None:
    assert address_group(address) == group
