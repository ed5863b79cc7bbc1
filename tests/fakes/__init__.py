"""In-process fakes of every port the services use. Each implements its whole port, and the
port contract suite (tests/integration/test_port_contracts.py) runs the same scenarios against
them and against the SQL adapters on SQLite and PostgreSQL, so a fake cannot drift from the
SQL."""

from tests.fakes.access import access_over
from tests.fakes.state import FakeClock
from tests.fakes.store import FakeChainVerifier, FakeReadSession, FakeStore, FakeWriteSession
from tests.fakes.tools import FakeArtifactStore, make_lineage

__all__ = [
    "FakeArtifactStore",
    "FakeChainVerifier",
    "FakeClock",
    "FakeReadSession",
    "FakeStore",
    "FakeWriteSession",
    "access_over",
    "make_lineage",
]
