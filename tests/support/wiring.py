"""Swapping one adapter of a container for a test."""

from __future__ import annotations

from typing import TypeVar

from dishka import Provider, Scope

T = TypeVar("T")


def override(port: type[T], instance: T) -> Provider:
    """A provider that gives a container ``instance`` as its ``port`` (a clock the test
    controls, a hasher with a hook, ...), in place of the one the container would make.
    Pass it after the container's own providers: the later provider wins."""
    provider = Provider(scope=Scope.APP)
    provider.provide(lambda: instance, provides=port)
    return provider
