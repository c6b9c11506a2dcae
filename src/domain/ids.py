"""Ids are positive 64-bit integers; anything else names nothing."""

MAX_ID = 2**63 - 1


def is_id(value: int) -> bool:
    return 0 < value <= MAX_ID
