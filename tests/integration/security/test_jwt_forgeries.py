"""Forged and invalid access tokens, each sent to GET /me over HTTP through the app as wired.

Every forgery must get a 401 ``invalid_token`` problem with ``WWW-Authenticate: Bearer``.
Each one changes a single thing in a token that is otherwise accepted (the first tests
prove that), so a refusal can only come from that one change.
"""

from __future__ import annotations

import base64
import hmac
import inspect
import json
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.support.accounts import insert_users
from tests.support.api import API, Account, assert_unauthorized, bearer, login
from tests.support.app import TEST_SECRET, make_app, serve
from tests.support.tokens import token_claims

ME = f"{API}/me"
HEADER = {"alg": "HS256", "typ": "at+jwt"}
ANOTHER_SECRET = b"a-different-secret-of-at-least-32-bytes!"
# Looks like what an RS256/ES256 verifier would be given; as an HMAC key it is public text.
PUBLIC_KEY_PEM = (
    b"-----BEGIN PUBLIC KEY-----\n"
    b"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEVs/o5+uQbTjL3chynL4wXgUg2R9\n"
    b"q9UU8I5mEovUf86QZ7kOBIjJwqnzD1omageEHWwHdBO6B+dFabmdT9POxg==\n"
    b"-----END PUBLIC KEY-----\n"
)


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(value: Any) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def hmac_signature(signing_input: str, key: bytes, digest: str = "sha256") -> str:
    return b64url(hmac.new(key, signing_input.encode(), digest).digest())


def jws(
    header: dict[str, Any],
    claims: dict[str, Any],
    *,
    key: bytes = TEST_SECRET,
    digest: str = "sha256",
) -> str:
    """A compact JWS made by hand, so that any header can be written (PyJWT refuses some)."""
    signing_input = f"{segment(header)}.{segment(claims)}"
    return f"{signing_input}.{hmac_signature(signing_input, key, digest)}"


@dataclass(frozen=True)
class Scene:
    """Alice, whose token is forged, and Bob, another live account (so a forged ``sub``
    names someone real: accepting it would answer 200 with Bob's account)."""

    client: httpx.AsyncClient
    engine: AsyncEngine
    alice: Account
    bob: Account

    @property
    def alice_id(self) -> int:
        user_id: int = self.alice.user["id"]
        return user_id

    @property
    def bob_id(self) -> int:
        user_id: int = self.bob.user["id"]
        return user_id

    @property
    def valid_token(self) -> str:
        token: str = self.alice.tokens["access_token"]
        return token

    def claims(self, **changes: Any) -> dict[str, Any]:
        """Alice's claims as the app issues them; a change to None removes that claim."""
        now = int(datetime.now(UTC).timestamp())
        body: dict[str, Any] = {
            "iss": "chirp",
            "sub": str(self.alice_id),
            "sid": str(token_claims(self.valid_token)["sid"]),
            "adm": False,
            "iat": now,
            "exp": now + 300,
            "jti": secrets.token_urlsafe(16),
        }
        body.update(changes)
        return {name: value for name, value in body.items() if value is not None}

    def signed(self, **changes: Any) -> str:
        """A properly signed HS256 ``at+jwt`` token with Alice's claims, changed as told."""
        return jws(HEADER, self.claims(**changes))


def replace_part(token: str, index: int, part: str) -> str:
    parts = token.split(".")
    parts[index] = part
    return ".".join(parts)


def tampered_payload(token: str, **changes: Any) -> str:
    """``token`` with claims changed but its original signature kept."""
    body = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    claims.update(changes)
    return replace_part(token, 1, segment(claims))


def flipped_signature(token: str) -> str:
    """One character in the middle of the signature changed (the last one may only carry
    unused bits)."""
    signature = token.split(".")[2]
    middle = len(signature) // 2
    flipped = "B" if signature[middle] != "B" else "C"
    return replace_part(token, 2, signature[:middle] + flipped + signature[middle + 1 :])


def unsigned(scene: Scene, alg: str) -> str:
    return f"{segment({'alg': alg, 'typ': 'at+jwt'})}.{segment(scene.claims())}."


def alg_none_with_signature(scene: Scene) -> str:
    signing_input = f"{segment({'alg': 'none', 'typ': 'at+jwt'})}.{segment(scene.claims())}"
    return f"{signing_input}.{hmac_signature(signing_input, TEST_SECRET)}"


def with_foreign_signature(scene: Scene, alg: str, size: int) -> str:
    """Alice's claims under an asymmetric ``alg`` with a random signature of its size."""
    header = segment({"alg": alg, "typ": "at+jwt"})
    return f"{header}.{segment(scene.claims())}.{b64url(secrets.token_bytes(size))}"


def with_trailing_bits_changed(token: str) -> str:
    """The same signature bytes, written with the lowest bit of the last base64url character
    flipped (a bit the 32-byte signature leaves unused): a different token string that a
    lax decoder reads as the same."""
    signature = token.split(".")[2]
    assert len(signature) == 43  # 258 bits for 256: the last character's 2 low bits are spare
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(signature[-1])
    return replace_part(token, 2, signature[:-1] + alphabet[last ^ 1])


def jwe_shaped(scene: Scene) -> str:
    header = segment({"alg": "dir", "enc": "A256GCM", "typ": "at+jwt"})
    ciphertext = b64url(json.dumps(scene.claims()).encode())
    return ".".join([header, "", b64url(secrets.token_bytes(12)), ciphertext, b64url(b"t" * 16)])


async def refresh_token_as_bearer(scene: Scene) -> str:
    response = await login(scene.client, username=scene.alice.username)
    assert response.status_code == 200, response.text
    refresh_token: str = response.json()["refresh_token"]
    return refresh_token


async def assert_accepted(scene: Scene, token: str) -> None:
    response = await scene.client.get(ME, headers=bearer(token))
    assert response.status_code == 200, response.text


async def token_of_deleted_user(scene: Scene) -> str:
    await assert_accepted(scene, scene.valid_token)  # a token that worked (and may be cached)
    async with scene.engine.begin() as connection:
        await connection.execute(text("DELETE FROM users WHERE id = :id"), {"id": scene.alice_id})
    return scene.valid_token


async def token_of_deactivated_user(scene: Scene) -> str:
    await assert_accepted(scene, scene.valid_token)
    async with scene.engine.begin() as connection:
        await connection.execute(
            text("UPDATE users SET is_active = :no WHERE id = :id"),
            {"no": False, "id": scene.alice_id},
        )
    return scene.valid_token


def an_hour_from_now() -> int:
    return int(datetime.now(UTC).timestamp()) + 3600


def valid_time(claim: str) -> int:
    """A value ``claim`` (exp or iat) is accepted with: five minutes from now, or now."""
    now = int(datetime.now(UTC).timestamp())
    return now + 300 if claim == "exp" else now


# exp or iat changed from an accepted value, so only the value's type or size is wrong.
NUMERIC_DATE_FORGERIES: dict[str, Callable[[int], Any]] = {
    "a-string": str,
    "a-float": lambda t: t + 0.5,
    "a-whole-float": float,
    "true": lambda t: True,
    "an-object": lambda t: {"$date": t},
    "1e20": lambda t: 1e20,
    "negative": lambda t: -t,
    "far-negative": lambda t: -(10**12),
    "huge-int": lambda t: 10**30,
    "past-year-9999": lambda t: 253402300800,
}
ID_FORGERIES: dict[str, Any] = {
    "true": True,
    "1e20": 1e20,
    "a-float": 1.5,
    "negative": "-1",
    "huge-int": 10**30,
    "a-list": ["1"],
}

Forgery = Callable[[Scene], str | Awaitable[str]]

FORGERIES: list[Any] = [
    # The algorithm
    pytest.param(lambda s: unsigned(s, "none"), id="alg-none-unsigned"),
    pytest.param(lambda s: unsigned(s, "None"), id="alg-None-mixed-case-unsigned"),
    pytest.param(alg_none_with_signature, id="alg-none-with-a-valid-hs256-signature"),
    pytest.param(lambda s: jws(HEADER, s.claims(), key=b""), id="hs256-with-an-empty-key"),
    pytest.param(
        lambda s: jws(HEADER, s.claims(), key=PUBLIC_KEY_PEM),
        id="hs256-keyed-with-a-public-key-pem",
    ),
    pytest.param(
        lambda s: jws({"alg": "RS256", "typ": "at+jwt"}, s.claims()),
        id="rs256-header-hmac-signed-with-the-secret",
    ),
    pytest.param(
        lambda s: with_foreign_signature(s, "RS256", 256), id="rs256-header-rsa-sized-signature"
    ),
    pytest.param(
        lambda s: with_foreign_signature(s, "ES256", 64), id="es256-header-ecdsa-sized-signature"
    ),
    pytest.param(
        lambda s: jws({"alg": "HS512", "typ": "at+jwt"}, s.claims(), digest="sha512"),
        id="hs512-signed-with-the-secret",
    ),
    # The signature
    pytest.param(
        lambda s: tampered_payload(s.valid_token, sub=str(s.bob_id)),
        id="payload-tampered-sub-to-another-user",
    ),
    pytest.param(
        lambda s: tampered_payload(s.valid_token, adm=True), id="payload-tampered-adm-true"
    ),
    pytest.param(
        lambda s: tampered_payload(s.valid_token, exp=an_hour_from_now() * 2),
        id="payload-tampered-exp-extended",
    ),
    pytest.param(lambda s: flipped_signature(s.valid_token), id="signature-tampered"),
    pytest.param(lambda s: replace_part(s.valid_token, 2, ""), id="signature-stripped"),
    pytest.param(
        lambda s: jws(HEADER, s.claims(), key=ANOTHER_SECRET), id="signed-with-another-secret"
    ),
    # Required claims, one missing at a time
    *(
        pytest.param(lambda s, claim=claim: s.signed(**{claim: None}), id=f"missing-{claim}")
        for claim in ("iss", "sub", "sid", "iat", "exp", "adm")
    ),
    # Claims with wrong values
    pytest.param(
        lambda s: s.signed(
            iat=int(datetime.now(UTC).timestamp()) - 600,
            exp=int(datetime.now(UTC).timestamp()) - 60,
        ),
        id="expired",
    ),
    pytest.param(lambda s: s.signed(nbf=an_hour_from_now()), id="nbf-in-the-future"),
    pytest.param(lambda s: s.signed(iat=an_hour_from_now()), id="iat-in-the-future"),
    pytest.param(lambda s: s.signed(iss="someone-else"), id="wrong-iss"),
    pytest.param(lambda s: s.signed(sub=s.alice.username), id="sub-not-an-integer"),
    pytest.param(lambda s: s.signed(sub=s.alice_id), id="sub-a-json-number"),
    pytest.param(lambda s: s.signed(sub=f"{s.alice_id}.0"), id="sub-a-decimal"),
    pytest.param(lambda s: s.signed(sub="9" * 40), id="sub-beyond-64-bits"),
    pytest.param(lambda s: s.signed(sid="current"), id="sid-not-an-integer"),
    pytest.param(lambda s: s.signed(adm="false"), id="adm-a-string"),
    # Times of the wrong type or beyond any date (a 500 once: the claims' datetimes overflowed)
    *(
        pytest.param(
            lambda s, claim=claim, value=value: s.signed(**{claim: value(valid_time(claim))}),
            id=f"{claim}-{name}",
        )
        for claim in ("exp", "iat")
        for name, value in NUMERIC_DATE_FORGERIES.items()
    ),
    *(
        pytest.param(
            lambda s, claim=claim, value=value: s.signed(**{claim: value}), id=f"{claim}-{name}"
        )
        for claim in ("sub", "sid")
        for name, value in ID_FORGERIES.items()
    ),
    # The header
    pytest.param(lambda s: jws({"alg": "HS256", "typ": "JWT"}, s.claims()), id="typ-JWT"),
    pytest.param(lambda s: jws({"alg": "HS256"}, s.claims()), id="typ-missing"),
    pytest.param(
        lambda s: jws({**HEADER, "crit": ["exp_v2"], "exp_v2": an_hour_from_now()}, s.claims()),
        id="unknown-crit-header",
    ),
    # Not a JWS of three base64url parts
    pytest.param(lambda s: s.valid_token + "." + segment({}), id="extra-segment"),
    pytest.param(lambda s: s.valid_token + "=", id="padded-signature"),
    pytest.param(
        lambda s: replace_part(s.valid_token, 1, s.valid_token.split(".")[1] + "=="),
        id="padded-payload",
    ),
    pytest.param(
        lambda s: with_trailing_bits_changed(s.valid_token), id="signature-non-canonical-base64"
    ),
    pytest.param(
        lambda s: replace_part(s.valid_token, 0, b64url(b"{not json")), id="header-not-json"
    ),
    pytest.param(jwe_shaped, id="jwe-shaped-five-parts"),
    pytest.param(lambda s: "not-a-jwt", id="not-a-jwt-at-all"),
    # Tokens that were fine once, or are not access tokens
    pytest.param(refresh_token_as_bearer, id="refresh-token-as-bearer"),
    pytest.param(token_of_deleted_user, id="user-deleted"),
    pytest.param(token_of_deactivated_user, id="user-deactivated"),
]


@pytest.fixture(scope="module")
async def shared_client(migrated_engine: AsyncEngine) -> AsyncIterator[httpx.AsyncClient]:
    """One app per database for the whole battery: building one per test would cost more
    than the tests themselves. Each test still gets an emptied database (``engine``)."""
    async with serve(make_app(migrated_engine)) as http:
        yield http


@pytest.fixture
async def scene(shared_client: httpx.AsyncClient, engine: AsyncEngine) -> Scene:
    alice, bob = await insert_users(engine, "alice", "bob")
    return Scene(shared_client, engine, alice, bob)


async def test_a_token_the_app_issued_is_accepted(scene: Scene) -> None:
    logged_in = await login(scene.client, username="alice")
    assert logged_in.status_code == 200, logged_in.text

    response = await scene.client.get(ME, headers=bearer(logged_in.json()["access_token"]))

    assert response.status_code == 200, response.text
    assert response.json()["username"] == "alice"


async def test_the_tokens_the_forgeries_start_from_are_accepted(scene: Scene) -> None:
    # Guards the battery: each forgery below changes one thing in one of these.
    for token in (scene.valid_token, scene.signed()):
        response = await scene.client.get(ME, headers=bearer(token))

        assert response.status_code == 200, response.text
        assert response.json()["username"] == "alice"


@pytest.mark.parametrize("forge", FORGERIES)
async def test_a_forged_or_invalid_token_is_refused(scene: Scene, forge: Forgery) -> None:
    token = forge(scene)
    if inspect.isawaitable(token):
        token = await token
    assert isinstance(token, str)

    response = await scene.client.get(ME, headers=bearer(token))

    assert_unauthorized(response, "invalid_token")
    assert "alice" not in response.text
    assert "bob" not in response.text
