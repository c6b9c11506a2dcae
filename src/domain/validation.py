"""Collects field errors so one response can report every invalid field."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar, cast

from domain.errors import FieldError, ValidationError

T = TypeVar("T")


class Validation:
    """Run value-object constructors, remembering every failure.

    ``check`` returns the built value; after a failure it returns a placeholder
    that must not be used, which ``raise_if_invalid`` guarantees by raising.
    """

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def check(self, build: Callable[[], T]) -> T:
        try:
            return build()
        except ValidationError as error:
            self.errors.extend(error.errors)
            return cast(T, None)

    def add(self, field: str, message: str) -> None:
        self.errors.append(FieldError(field, message))

    def raise_if_invalid(self) -> None:
        if self.errors:
            raise ValidationError(self.errors)
