"""The home feed's SQL, exactly as ``SqlTweetReader.home`` runs it, for ``pgbench``."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from adapters.sql.tweet_reader import HOME


def home_feed_sql(limit: int, variable: str = "reader") -> str:
    """The page-1 feed statement (``limit`` rows) with ``:variable`` as the reader's id."""
    dialect = make_url("postgresql+asyncpg://").get_dialect()()
    # The text numbers its parameters in the order the compiler met them: check that order
    # against the statement's own before substituting by position.
    order = HOME[False].statement.compile(dialect=dialect).positiontup
    if order != ["viewer", "limit"]:
        raise RuntimeError(f"unexpected feed parameters: {order}")
    sql = HOME[False].sql(dialect)
    return sql.replace("$1", f":{variable}").replace("$2", str(limit))


def pick_one_of(variable: str, values: list[int]) -> str:
    """pgbench meta-commands setting ``:variable`` to one of ``values``, uniformly at random
    (pgbench has no arrays: a CASE over a random index)."""
    if not values:
        raise ValueError("nothing to pick from")
    cases = " ".join(f"WHEN :{variable}_index = {i} THEN {value}" for i, value in enumerate(values))
    return (
        f"\\set {variable}_index random(0, {len(values) - 1})\n"
        f"\\set {variable} CASE {cases} ELSE {values[0]} END"
    )
