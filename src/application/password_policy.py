"""The rules a new password must meet."""

from __future__ import annotations

from application.ports.common_passwords import CommonPasswords
from domain.errors import ValidationError
from domain.users import Password


class PasswordPolicy:
    """8-128 characters, not the username or email, not a commonly used password."""

    def __init__(self, common_passwords: CommonPasswords) -> None:
        self._common = common_passwords

    def check(self, password: str, *, username: str, email: str) -> Password:
        checked = Password(password)
        if checked.resembles(username, email):
            raise ValidationError.single("password", "must differ from the username and email")
        if password in self._common:
            raise ValidationError.single("password", "is too common")
        return checked
