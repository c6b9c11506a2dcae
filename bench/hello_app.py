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
    # Imported here: Granian's workers import this module for ``app`` alone.
    from entrypoints.server import serve  # noqa: PLC0415

    parser = argparse.ArgumentParser(description="Serve the hello-JSON ceiling app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    serve("bench.hello_app:app", host=args.host, port=args.port, workers=args.workers)


if __name__ == "__main__":
    main()
