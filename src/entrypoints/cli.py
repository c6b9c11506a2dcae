"""The ``chirp`` command: serve, apply migrations, create an administrator."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys

from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade
from application.use_cases.create_superuser import CreateSuperuser, CreateSuperuserCommand
from domain.errors import DomainError, ValidationError
from entrypoints.config import AppConfig, ConfigError
from entrypoints.di import make_container
from entrypoints.logs import configure_logging
from entrypoints.server import serve


def main(argv: list[str] | None = None) -> int:
    configure_logging(logging.INFO)
    args = _parser().parse_args(argv)
    try:
        config = AppConfig.from_env()
        return int(args.run(config, args))
    except ConfigError as error:
        print(f"chirp: {error}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="chirp", description="Chirp social-network API.")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="apply pending migrations, then serve HTTP")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(run=_serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True)
    db_upgrade = db_commands.add_parser("upgrade", help="apply pending migrations")
    db_upgrade.set_defaults(run=_db_upgrade)

    superuser = commands.add_parser("createsuperuser", help="create an administrator")
    superuser.add_argument("--username", required=True)
    superuser.add_argument("--email", required=True)
    superuser.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    superuser.set_defaults(run=_create_superuser)
    return parser


async def _migrate(config: AppConfig) -> None:
    engine = create_engine(config.database_url)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()


def _db_upgrade(config: AppConfig, _: argparse.Namespace) -> int:
    asyncio.run(_migrate(config))
    print("chirp: database is up to date")
    return 0


def _serve(config: AppConfig, args: argparse.Namespace) -> int:
    asyncio.run(_migrate(config))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    os.environ.setdefault("CHIRP_HASH_THREADS", str(max(1, (cores or 1) // args.workers)))
    serve(
        "entrypoints.http.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
    )
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if password != getpass.getpass("Password (again): "):
        raise ValidationError.single("password", "the two passwords do not match")
    return password


def _create_superuser(config: AppConfig, args: argparse.Namespace) -> int:
    async def create(password: str) -> None:
        container = make_container(config)
        try:
            async with container() as request:
                create_superuser = await request.get(CreateSuperuser)
                await create_superuser(CreateSuperuserCommand(args.username, args.email, password))
        finally:
            await container.close()

    try:
        password = _read_password(args.password_stdin)
        asyncio.run(_migrate(config))
        asyncio.run(create(password))
    except ValidationError as error:
        for field_error in error.errors:
            print(f"chirp: {field_error.field} {field_error.message}", file=sys.stderr)
        return 1
    except DomainError as error:
        print(f"chirp: {error.detail}", file=sys.stderr)
        return 1
    print(f"chirp: administrator {args.username!r} created")
    return 0


if __name__ == "__main__":
    sys.exit(main())
