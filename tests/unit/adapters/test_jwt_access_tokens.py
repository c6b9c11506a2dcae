from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import jwt
import pytest

from adapters.jwt_access_tokens import JwtAccessTokens
from application.ports.access_tokens import AccessClaims
from domain.errors import InvalidAccessToken
from tests.unit.world import SECRET, real_now

tokens = JwtAccessTokens(SECRET)


def claims(
    *, lifetime: timedelta = timedelta(seconds=30), ago: timedelta = timedelta(0)
) -> AccessClaims:
    issued = real_now() - ago
    return AccessClaims(
        user_id=7, session_id=3, is_admin=False, issued_at=issued, expires_at=issued + lifetime
    )


def payload(**changes: Any) -> dict[str, Any]:
    now = int(real_now().timestamp())
    body: dict[str, Any] = {
        "iss": "chirp",
        "sub": "7",
        "sid": "3",
        "adm": False,
        "iat": now,
        "exp": now + 30,
    }
    body.update(changes)
    return {k: v for k, v in body.items() if v is not None}


def forge(body: dict[str, Any], *, key: bytes = SECRET, **header: Any) -> str:
    return jwt.encode(body, key, algorithm="HS256", headers={"typ": "at+jwt", **header})


def test_a_token_round_trips_its_claims() -> None:
    issued = claims()

    assert tokens.verify(tokens.issue(issued)) == issued


def test_the_admin_flag_round_trips() -> None:
    issued = AccessClaims(
        user_id=1,
        session_id=2,
        is_admin=True,
        issued_at=real_now(),
        expires_at=real_now() + timedelta(seconds=30),
    )

    assert tokens.verify(tokens.issue(issued)).is_admin is True


def test_the_token_is_an_hs256_at_jwt_with_the_contracts_claims() -> None:
    token = tokens.issue(claims())

    assert jwt.get_unverified_header(token) == {"alg": "HS256", "typ": "at+jwt"}
    body = jwt.decode(token, SECRET, algorithms=["HS256"])
    assert set(body) >= {"iss", "sub", "sid", "iat", "exp"}
    assert body["sub"] == "7"


def test_a_token_handmade_like_the_issuers_is_accepted() -> None:
    # Guards the negative tests below: only the one thing they change makes them fail.
    assert tokens.verify(forge(payload())).user_id == 7


@pytest.mark.parametrize("ago", [timedelta(seconds=31), timedelta(minutes=5), timedelta(days=1)])
def test_an_expired_token_is_refused(ago: timedelta) -> None:
    token = tokens.issue(claims(ago=ago))

    with pytest.raises(InvalidAccessToken) as raised:
        tokens.verify(token)

    assert raised.value.code == "invalid_token"


def test_a_token_signed_with_another_secret_is_refused() -> None:
    other = JwtAccessTokens(b"another-secret-of-32-bytes-or-more!!")

    with pytest.raises(InvalidAccessToken):
        tokens.verify(other.issue(claims()))


def test_a_tampered_payload_is_refused() -> None:
    header, body, signature = tokens.issue(claims()).split(".")
    decoded = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    decoded["adm"] = True
    forged_body = base64.urlsafe_b64encode(json.dumps(decoded).encode()).rstrip(b"=").decode()

    with pytest.raises(InvalidAccessToken):
        tokens.verify(f"{header}.{forged_body}.{signature}")


@pytest.mark.parametrize("claim", ["iss", "sub", "sid", "iat", "exp", "adm"])
def test_a_token_missing_a_required_claim_is_refused(claim: str) -> None:
    with pytest.raises(InvalidAccessToken):
        tokens.verify(forge(payload(**{claim: None})))


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "someone-else"},
        {"sub": "seven"},
        {"sub": "-7"},
        {"sid": "three"},
        {"adm": "true"},
        {"adm": 1},
        {"iat": int(real_now().timestamp()) + 3600},
    ],
    ids=[
        "issuer",
        "sub-not-a-number",
        "sub-negative",
        "sid-not-a-number",
        "adm-string",
        "adm-int",
        "issued-in-the-future",
    ],
)
def test_a_token_with_an_invalid_claim_is_refused(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidAccessToken):
        tokens.verify(forge(payload(**changes)))


@pytest.mark.parametrize("typ", ["JWT", "jwt", "at+JWT+x", None])
def test_a_token_without_the_at_jwt_type_is_refused(typ: str | None) -> None:
    token = jwt.encode(payload(), SECRET, algorithm="HS256", headers={"typ": typ})

    with pytest.raises(InvalidAccessToken):
        tokens.verify(token)


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_the_algorithm_is_pinned() -> None:
    unsigned = jwt.encode(payload(), None, algorithm="none", headers={"typ": "at+jwt"})
    hs512 = jwt.encode(payload(), SECRET, algorithm="HS512", headers={"typ": "at+jwt"})

    for token in (unsigned, hs512):
        with pytest.raises(InvalidAccessToken):
            tokens.verify(token)


@pytest.mark.parametrize("garbage", ["", "not-a-jwt", "a.b.c", "Bearer x.y.z"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(InvalidAccessToken):
        tokens.verify(garbage)


def test_a_secret_shorter_than_32_bytes_is_refused() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        JwtAccessTokens(b"x" * 31)

    assert JwtAccessTokens(b"x" * 32).verify(JwtAccessTokens(b"x" * 32).issue(claims()))


@pytest.mark.parametrize(
    "spell",
    [
        lambda token: token + "=",
        lambda token: token.replace(".", "==.", 1),
        lambda token: f" {token}",
        lambda token: f"{token}\n",
        lambda token: f"{token}.",
    ],
    ids=["padded-signature", "padded-header", "leading-space", "trailing-newline", "fourth-part"],
)
def test_only_the_unpadded_base64url_compact_form_is_accepted(
    spell: Callable[[str], str],
) -> None:
    # The same header, claims and signature, spelt another way: PyJWT takes a padded one.
    with pytest.raises(InvalidAccessToken):
        tokens.verify(spell(tokens.issue(claims())))


@pytest.mark.parametrize(
    "changes",
    [
        {"sub": "\u0667"},
        {"sub": "9" * 19},
        {"sub": "9" * 40},
        {"sid": "\uff13"},
        {"sid": 3},
        {"sub": "7 "},
    ],
    ids=[
        "sub-arabic-indic-digit",
        "sub-beyond-64-bits",
        "sub-far-beyond-64-bits",
        "sid-fullwidth-digit",
        "sid-a-json-number",
        "sub-trailing-space",
    ],
)
def test_ids_are_ascii_decimal_strings_of_at_most_18_digits(changes: dict[str, Any]) -> None:
    # A longer number overflowed the database driver: a 500 instead of a 401.
    with pytest.raises(InvalidAccessToken):
        tokens.verify(forge(payload(**changes)))


def test_an_18_digit_id_is_accepted() -> None:
    assert tokens.verify(forge(payload(sub="9" * 18))).user_id == 10**18 - 1
