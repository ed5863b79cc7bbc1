"""The services and store behind a client, for integration tests that look under the use cases
(the rows a store holds, an outbox with a short backoff)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from steward.bootstrap import Container, build
from steward.sdk import Client


@contextmanager
def container_of(client: Client) -> Iterator[Container]:
    """A second container over the client's store, closed when the block ends."""
    container = build(client.settings)
    try:
        yield container
    finally:
        container.close()
