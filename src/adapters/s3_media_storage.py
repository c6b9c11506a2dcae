"""Media in an S3-compatible object store (``CHIRP_MEDIA_STORE=s3://bucket?...``), through
obstore (a Rust client; measured against aioboto3: see pyproject.toml)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import GenericError, JoinError, PermissionDeniedError, UnauthenticatedError
from obstore.store import S3Store

from adapters.media_names import content_type, new_name
from application.errors import DependencyUnavailable
from application.ports.image_processor import ProcessedImage
from application.ports.media_storage import MediaStorage, StoredMedia

if TYPE_CHECKING:  # obstore's config types exist for the type checker only
    from obstore import GetResult
    from obstore.store import ClientConfig, RetryConfig, S3Config

MEDIA_STORE = "media store"
# Down, unreachable, too slow, answering 5xx after the retries (GenericError), or refusing
# our credentials: the request may succeed later, so a 503, never a 500.
_UNAVAILABLE = (
    GenericError,
    PermissionDeniedError,
    UnauthenticatedError,
    JoinError,
    ConnectionError,
    TimeoutError,
)
# Bounded waits, so a store that is down makes a 503 in about a second, not a hung request.
_CLIENT_OPTIONS: ClientConfig = {
    "connect_timeout": timedelta(seconds=2),
    "timeout": timedelta(seconds=10),
}
_READ_TIMEOUT = timedelta(seconds=120)
CHUNK_BYTES = 256 * 1024
_RETRIES: RetryConfig = {
    "max_retries": 2,
    "retry_timeout": timedelta(seconds=3),
    "backoff": {
        "init_backoff": timedelta(milliseconds=50),
        "max_backoff": timedelta(milliseconds=500),
        "base": 2.0,
    },
}


async def _chunks_of(result: GetResult) -> AsyncIterator[bytes]:
    """The object's bytes as the store sends them. A failure past the first byte cannot be
    a 503 any more (the status is sent): the response is cut short, as a proxy would."""
    with _store_calls():
        async for chunk in result.stream(min_chunk_size=CHUNK_BYTES):
            yield bytes(chunk)


@contextmanager
def _store_calls() -> Iterator[None]:
    try:
        yield
    except _UNAVAILABLE as error:
        raise DependencyUnavailable(MEDIA_STORE, type(error).__name__) from error


class S3MediaStorage(MediaStorage):
    """Images as objects in one bucket, under the random names of ``media_names``, each
    written once with its content type. Credentials come from the usual ``AWS_*`` variables
    (read by obstore), the endpoint and region from the configuration."""

    def __init__(self, bucket: str, *, endpoint: str | None, region: str | None) -> None:
        options: ClientConfig = {
            **_CLIENT_OPTIONS,
            "allow_http": endpoint is not None and endpoint.startswith("http://"),
        }
        config: S3Config = {}
        if endpoint is not None:
            config["endpoint"] = endpoint
        if region is not None:
            config["region"] = region
        self._store = S3Store(
            bucket,
            config=config,
            client_options=options,
            retry_config=_RETRIES,
        )
        # A download lasts as long as its client takes to read it, which the whole-request
        # timeout bounds: a longer one for reads (connecting stays bounded at 2 s).
        self._reading = S3Store(
            bucket,
            config=config,
            client_options={**options, "timeout": _READ_TIMEOUT},
            retry_config=_RETRIES,
        )

    async def save(self, image: ProcessedImage) -> str:
        name = new_name(image)
        with _store_calls():
            await obstore.put_async(
                self._store,
                name,
                image.content,
                attributes={"Content-Type": image.content_type},
            )
        return name

    async def read(self, name: str) -> StoredMedia | None:
        kind = content_type(name)
        if kind is None:
            return None
        try:
            with _store_calls():
                result = await obstore.get_async(self._reading, name)
        except FileNotFoundError:
            return None
        return StoredMedia(kind, result.meta["size"], _chunks_of(result))

    async def delete(self, name: str) -> None:
        if content_type(name) is None:
            return
        try:
            with _store_calls():
                await obstore.delete_async(self._store, name)
        except FileNotFoundError:
            return
