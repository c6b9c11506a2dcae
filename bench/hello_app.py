"""The ceiling: a bare Litestar app, served by Granian exactly as ``chirp serve`` serves Chirp.

``python -m bench.hello_app --port P --workers N`` (from the repository root).
"""

from __future__ import annotations

import argparse

from litestar import Litestar, get


@get("/hello")
async def hello() -> dict[str, str]:
    return {"hello": "world"}


app = Litestar(route_handlers=[hello])


def main() -> None:
    from granian import Granian  # noqa: PLC0415  # only the server process needs it
    from granian.constants import Interfaces, Loops  # noqa: PLC0415

    parser = argparse.ArgumentParser(description="Serve the hello-JSON ceiling app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    # The same settings as entrypoints.cli._serve.
    Granian(
        "bench.hello_app:app",
        address=args.host,
        port=args.port,
        workers=args.workers,
        interface=Interfaces.ASGI,
        loop=Loops.uvloop,
        log_access=False,
    ).serve()


if __name__ == "__main__":
    main()
