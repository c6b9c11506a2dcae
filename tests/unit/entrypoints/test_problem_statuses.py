"""Every error a use case raises on purpose has an HTTP status: one missing would reach the
client as a 500."""

from __future__ import annotations

import entrypoints.http.app  # noqa: F401  (imports every module that defines a domain error)
from domain.errors import DomainError
from entrypoints.http.problems import STATUS_BY_ERROR


def subclasses(base: type[DomainError]) -> set[type[DomainError]]:
    found = set(base.__subclasses__())
    for cls in list(found):
        found |= subclasses(cls)
    return found


def test_every_domain_error_maps_to_a_status() -> None:
    errors = subclasses(DomainError)
    assert len(errors) > 20
    unmapped = [
        cls.__qualname__
        for cls in errors
        if not any(issubclass(cls, mapped) for mapped, _ in STATUS_BY_ERROR)
    ]
    assert unmapped == []
