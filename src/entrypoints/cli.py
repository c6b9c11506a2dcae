"""The ``chirp`` command: serve, do derived work, apply migrations, create an administrator.

A bad argument or configuration is one line on standard error and exit status 2; a database
that cannot be used is one line and status 1; never a traceback. Log lines are JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import logging
import os
import signal
import socket
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from ipaddress import ip_address
from typing import NoReturn

from sqlalchemy.exc import SQLAlchemyError

from adapters.sql.engine import create_engine
from adapters.sql.migrate import upgrade
from application.derived.fold_counts import RepairCounts
from application.errors import DependencyUnavailable
from application.ports.counts import CountDrift
from application.ports.job_worker import JobWorker
from application.use_cases.create_superuser import CreateSuperuser, CreateSuperuserCommand
from domain.errors import DomainError, ValidationError
from entrypoints.config import WORKER_CONCURRENCY, AppConfig, ConfigError
from entrypoints.logs import FIELDS, configure_logging
from entrypoints.server import METRICS_DIR_ENV, CannotListen, metrics_directory, serve, serving

logger = logging.getLogger("chirp")

USAGE_ERROR = 2


class UsageError(Exception):
    """An argument that cannot work (found after parsing); the message says why."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument is one line on standard error (no usage block)."""

    def error(self, message: str) -> NoReturn:
        self.exit(USAGE_ERROR, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def main(argv: list[str] | None = None) -> int:
    configure_logging(logging.INFO)
    args = _parser().parse_args(argv)
    run: Callable[[AppConfig, argparse.Namespace], int] = args.run
    try:
        config = AppConfig.from_env()
        return run(config, args)
    except ConfigError as error:
        print(f"chirp: {error}", file=sys.stderr)
        return USAGE_ERROR
    except UsageError as error:
        print(f"{args.prog}: {error}", file=sys.stderr)
        return USAGE_ERROR
    except (DependencyUnavailable, SQLAlchemyError, OSError) as error:
        print(f"{args.prog}: the database cannot be used: {_reason(error)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception:
        logger.exception("%s failed", args.prog)  # one JSON line, the traceback inside it
        return 1


def _reason(error: BaseException) -> str:
    """The first line of what the driver said (SQLAlchemy appends the SQL and a link)."""
    cause = getattr(error, "orig", None) or error
    lines = str(cause).strip().splitlines()
    return lines[0] if lines else type(cause).__name__


def _version() -> str:
    try:
        return version("chirp")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown"


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (1 to 65535)")
    return int(text)


def _workers(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number of workers")
    return int(text)


def _host(text: str) -> str:
    try:
        ip_address(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an IP address (e.g. 127.0.0.1, or 0.0.0.0 or :: for all)"
        ) from None
    return text


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chirp",
        description="Chirp social-network API. Configuration comes from the CHIRP_* "
        "environment variables, which a .env file in the working directory may supply.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser(
        "serve",
        help="apply pending migrations, then serve HTTP",
        description="Apply pending migrations, then serve the HTTP API (Granian).",
    )
    serve.add_argument(
        "--host",
        type=_host,
        default="127.0.0.1",
        help="IP address to listen on; 0.0.0.0 or :: for every interface (default: %(default)s)",
    )
    serve.add_argument(
        "--port", type=_port, default=8000, help="TCP port to listen on (default: %(default)s)"
    )
    serve.add_argument(
        "--workers",
        type=_workers,
        default=1,
        help="worker processes; with more than one, set CHIRP_REDIS_URL so that they share "
        "throttle counts (default: %(default)s)",
    )
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do no derived work (feeds, counts) in the server's processes: run `chirp worker` "
        "beside it",
    )
    serve.set_defaults(run=_serve, prog="chirp serve")

    worker = commands.add_parser(
        "worker",
        help="do derived work (feeds, counts, ...) for servers run with --no-worker",
        description="Do the derived work of the write path (feeds, counts, ...) until "
        "interrupted. Any number of workers and servers may share one database. With "
        "--metrics-port, also serve this worker's Prometheus metrics (jobs done and failed "
        "by kind, feed lag, the queue, the database pool) at GET /metrics, to the same "
        "clients as `chirp serve`'s: with CHIRP_METRICS_TOKEN set, those presenting it as "
        "'Authorization: Bearer <token>'; without it, clients on this machine only.",
    )
    worker.add_argument(
        "--concurrency",
        type=_workers,
        default=WORKER_CONCURRENCY,
        help="jobs run at once (default: %(default)s)",
    )
    worker.add_argument(
        "--retry-failed",
        action="store_true",
        help="queue every job parked after failing too often again, then exit",
    )
    worker.add_argument(
        "--metrics-port",
        type=_port,
        metavar="PORT",
        help="serve GET /metrics on this TCP port (default: no metrics endpoint)",
    )
    worker.add_argument(
        "--metrics-host",
        type=_host,
        default="127.0.0.1",
        metavar="HOST",
        help="IP address for --metrics-port; 0.0.0.0 or :: for every interface, then set "
        "CHIRP_METRICS_TOKEN (default: %(default)s)",
    )
    worker.set_defaults(run=_worker, prog="chirp worker")

    repair = commands.add_parser(
        "repair", help="check derived data", description="Check and correct derived data."
    )
    repair_commands = repair.add_subparsers(dest="repair_command", required=True, metavar="WHAT")
    repair_counts = repair_commands.add_parser(
        "counts",
        help="recompute every count from its rows",
        description="Recompute the like, follower, following and tweet counts from their "
        "rows, correct those that drifted, and list them.",
    )
    repair_counts.set_defaults(run=_repair_counts, prog="chirp repair counts")

    db = commands.add_parser(
        "db", help="database schema", description="Manage the database schema."
    )
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    db_upgrade = db_commands.add_parser(
        "upgrade",
        help="apply pending migrations",
        description="Apply pending migrations (Alembic) to CHIRP_DATABASE_URL.",
    )
    db_upgrade.set_defaults(run=_db_upgrade, prog="chirp db upgrade")

    superuser = commands.add_parser(
        "createsuperuser",
        help="create an administrator",
        description="Create an administrator (an active, verified account).",
    )
    superuser.add_argument("--username", required=True, help="the login name")
    superuser.add_argument("--email", required=True, help="the e-mail address")
    superuser.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (default: prompt twice on the terminal)",
    )
    superuser.set_defaults(run=_create_superuser, prog="chirp createsuperuser")
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


def _check_address(host: str, port: int) -> None:
    """Refuses an address this machine cannot listen on, or one in use.

    Needed because Granian's workers bind with SO_REUSEPORT: on their own they would join a
    port another server listens on (a second ``chirp serve``) and split its traffic. A plain
    socket may not bind where anything listens (SO_REUSEADDR only passes over the remains of
    closed connections).
    """
    family = socket.AF_INET6 if ip_address(host).version == 6 else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            reason = error.strerror or str(error)
            raise UsageError(f"cannot listen on {_address(host, port)}: {reason}") from None


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ip_address(host).version == 6 else f"{host}:{port}"


def _serve(config: AppConfig, args: argparse.Namespace) -> int:
    _check_address(args.host, args.port)
    if args.workers > 1 and config.redis_url is None:
        logger.warning(
            "CHIRP_REDIS_URL is not set: each of the %d workers counts login and registration "
            "throttling on its own (a client gets up to %d times the limits) and sees a "
            "settings change up to 2 seconds later; set CHIRP_REDIS_URL to share them",
            args.workers,
            args.workers,
            extra={FIELDS: {"workers": args.workers}},
        )
    asyncio.run(_migrate(config))
    _check_address(args.host, args.port)  # again: the migrations took a while
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    os.environ.setdefault("CHIRP_HASH_THREADS", str(max(1, (cores or 1) // args.workers)))
    os.environ["CHIRP_IN_PROCESS_WORKER"] = "0" if args.no_worker else "1"
    with metrics_directory():
        serve(
            "entrypoints.http.app:app_from_env",
            factory=True,
            host=args.host,
            port=args.port,
            workers=args.workers,
        )
    return 0


def _worker(config: AppConfig, args: argparse.Namespace) -> int:
    metrics = args.metrics_port is not None and not args.retry_failed
    if metrics:
        _check_address(args.metrics_host, args.metrics_port)  # before the migrations
    # A worker is one process: its metrics live in its own memory, never in a multiprocess
    # directory it might inherit (a `chirp serve`'s, whose scrapes would count them as that
    # server's). Dropped before prometheus_client is first imported (below), which reads it.
    os.environ.pop(METRICS_DIR_ENV, None)
    os.environ.pop(METRICS_DIR_ENV.lower(), None)
    # Imported here: only this command needs them (and `chirp serve` must not import
    # prometheus_client before it makes its metrics directory).
    from entrypoints.di import make_container  # noqa: PLC0415
    from entrypoints.http.metrics import metrics_app  # noqa: PLC0415
    from entrypoints.worker import run_jobs  # noqa: PLC0415

    async def work() -> int:
        await _migrate(config)
        container = make_container(config)
        try:
            if args.retry_failed:
                count = await (await container.get(JobWorker)).retry_failed()
                print(f"chirp: {count} parked job(s) queued again")
                return 0
            # SIGTERM (a service manager's stop) ends the worker cleanly: a job cut short
            # is rolled back and runs again later.
            task = asyncio.current_task()
            if task is not None:
                asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
            async with contextlib.AsyncExitStack() as stack:
                fields: dict[str, object] = {"concurrency": args.concurrency}
                if metrics:
                    # Again (the migrations took a while): Granian binds with SO_REUSEPORT.
                    _check_address(args.metrics_host, args.metrics_port)
                    app = metrics_app(container, config.metrics_token)
                    try:
                        await stack.enter_async_context(
                            serving(app, host=args.metrics_host, port=args.metrics_port)
                        )
                    except CannotListen as error:
                        raise UsageError(str(error)) from None
                    address = _address(args.metrics_host, args.metrics_port)
                    fields["metrics"] = f"http://{address}/metrics"
                logger.info("worker started", extra={FIELDS: fields})
                with contextlib.suppress(asyncio.CancelledError):
                    await run_jobs(container, concurrency=args.concurrency)
            logger.info("worker stopped")
        finally:
            await container.close()
        return 0

    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(work())
    return 0


def _repair_counts(config: AppConfig, _: argparse.Namespace) -> int:
    from entrypoints.di import make_container  # noqa: PLC0415

    async def repair() -> list[CountDrift]:
        await _migrate(config)
        container = make_container(config)
        try:
            async with container() as scope:
                return await (await scope.get(RepairCounts))()
        finally:
            await container.close()

    drifts = asyncio.run(repair())
    for drift in drifts:
        print(
            f"chirp: {drift.counter} of {drift.subject_id} was {drift.stored}, "
            f"its rows say {drift.actual}: corrected"
        )
    print(f"chirp: {len(drifts)} count(s) corrected" if drifts else "chirp: every count is right")
    return 0


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise UsageError(
            "standard input is not a terminal, so the password cannot be prompted for; "
            "give it on standard input with --password-stdin"
        )
    try:
        password = getpass.getpass("Password: ")
        again = getpass.getpass("Password (again): ")
    except EOFError:
        raise UsageError("no password given") from None
    if password != again:
        raise ValidationError.single("password", "the two passwords do not match")
    return password


def _create_superuser(config: AppConfig, args: argparse.Namespace) -> int:
    # Imported here: the whole app (about 0.5 s) is needed by this command alone.
    from entrypoints.di import make_container  # noqa: PLC0415

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
