from __future__ import annotations

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from application.ports.common_passwords import CommonPasswords


class ZxcvbnCommonPasswords(CommonPasswords):
    """zxcvbn's list of the 30,000 most frequent passwords from real leaks."""

    def __init__(self) -> None:
        self._passwords = frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"])

    def __contains__(self, password: str) -> bool:
        return password.lower() in self._passwords
