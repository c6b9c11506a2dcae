from __future__ import annotations

from application.ports.common_passwords import CommonPasswords
from application.ports.password_hasher import PasswordHasher

_PREFIX = "plain$"


class PlainPasswordHasher(PasswordHasher):
    """Instant and insecure: for tests and the REPL only, never for a real account."""

    def __init__(self, version: int = 1) -> None:
        self._prefix = f"{_PREFIX}{version}$"

    async def hash(self, password: str) -> str:
        return self._prefix + password

    async def verify(self, password_hash: str, password: str) -> bool:
        return password_hash.split("$", 2)[-1] == password

    async def verify_dummy(self, password: str) -> None:
        return None

    def needs_rehash(self, password_hash: str) -> bool:
        return not password_hash.startswith(self._prefix)


class FixedCommonPasswords(CommonPasswords):
    """A short, given list of common passwords."""

    def __init__(self, passwords: frozenset[str] = frozenset({"password", "12345678"})) -> None:
        self._passwords = frozenset(p.lower() for p in passwords)

    def __contains__(self, password: str) -> bool:
        return password.lower() in self._passwords
