"""Every port in steward.services.ports has an in-memory fake in tests/fakes that implements
all of it: a member the Protocol declares and the fake lacks fails here by name, before a
service test on the fakes could stumble over it. The port contract suite
(tests/integration/test_port_contracts.py) then checks that the fakes answer as the SQL does."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import pytest

from steward.services import ports
from tests.fakes import FakeArtifactStore, FakeChainVerifier, FakeStore
from tests.fakes.keys import FakeKeys, FakeSigner
from tests.fakes.state import _State
from tests.fakes.store import FakeReadSession, FakeWriteSession


def _write_session() -> FakeWriteSession:
    return FakeWriteSession(FakeStore(), "ana")


def _read_session() -> FakeReadSession:
    return FakeReadSession(_State())


# Each port, and how to make an instance of its fake (instances, because sessions set their
# members in __init__).
FAKES: dict[str, Callable[[], object]] = {
    "Store": FakeStore,
    "WriteSession": _write_session,
    "ReadSession": _read_session,
    "RegistryWrites": lambda: _write_session().registry,
    "RegistryReads": lambda: _read_session().registry,
    "PolicyWrites": lambda: _write_session().policies,
    "PolicyReads": lambda: _read_session().policies,
    "GovernanceWrites": lambda: _write_session().governance,
    "GovernanceReads": lambda: _read_session().governance,
    "MonitoringWrites": lambda: _write_session().monitoring,
    "MonitoringReads": lambda: _read_session().monitoring,
    "OutboxWrites": lambda: _write_session().outbox,
    "OutboxReads": lambda: _read_session().outbox,
    "AuditReads": lambda: _read_session().audit,
    "AccessWrites": lambda: _write_session().access,
    "AccessReads": lambda: _read_session().access,
    "ChangesWrites": lambda: _write_session().changes,
    "ChangesReads": lambda: _read_session().changes,
    "ChainVerifier": lambda: FakeChainVerifier(FakeStore()),
    "Keys": FakeKeys,
    "Signer": lambda: FakeSigner("ana"),
    "ArtifactStore": FakeArtifactStore,
}

# Ports whose tests use the real adapter, which touches nothing outside the process, or a
# test double in the test that needs one; none of them stores anything.
NO_FAKE: dict[str, str] = {
    "Hooks": "delivery tests pass a recording double of their own",
    "Receiver": "the real loopback receiver is used",
    "WebhookListener": "the real loopback receiver is used",
    "PolicyLoader": "YamlPolicyLoader parses in memory",
    "SuiteLoader": "the YAML suite loader reads the test's own file",
    "ModelCodec": "the real codec works on bytes in memory",
    "SourceCapture": "the real capture reads the test's own directory",
    "ReportRenderer": "the real renderer returns a string",
    "MonitorReportRenderer": "the real renderer returns a string",
    "SparkProfiler": "Spark tests run the real profiler",
    "MemoryRelease": "a no-op callable",
}


def _protocols() -> dict[str, type]:
    return {
        name: value
        for name, value in vars(ports).items()
        if inspect.isclass(value) and getattr(value, "_is_protocol", False)
    }


def protocol_members(protocol: type) -> set[str]:
    """The public members a Protocol declares, its own and those of the ports it extends."""
    members: set[str] = set()
    for cls in protocol.__mro__:
        if cls is object or not getattr(cls, "_is_protocol", False) or cls.__module__ == "typing":
            continue
        members |= {n for n in vars(cls) if not n.startswith("_")}
        members |= {n for n in getattr(cls, "__annotations__", {}) if not n.startswith("_")}
    return members


def missing_members(protocol: type, fake: object) -> list[str]:
    return sorted(m for m in protocol_members(protocol) if not hasattr(fake, m))


def test_every_port_has_a_fake_or_a_stated_reason() -> None:
    """A new port cannot land without a fake (or a reason it needs none)."""
    protocols = set(_protocols())
    assert protocols - set(FAKES) - set(NO_FAKE) == set()
    assert (set(FAKES) | set(NO_FAKE)) - protocols == set()


@pytest.mark.parametrize("port", sorted(FAKES))
def test_the_fake_implements_every_member_of_its_port(port: str) -> None:
    """The fake has every method and attribute the Protocol declares."""
    missing = missing_members(_protocols()[port], FAKES[port]())
    assert missing == [], f"the fake of {port} lacks {', '.join(missing)}"


def test_the_check_names_a_missing_member() -> None:
    """A fake without one of its port's methods is caught, and the method named."""

    class Partial:
        def put(self, data: bytes) -> None: ...
        def exists(self, digest: str) -> bool:
            return False

    assert missing_members(ports.ArtifactStore, Partial()) == ["get"]
    assert "workers" in protocol_members(ports.ChainVerifier)
    assert "list_projects" in protocol_members(ports.RegistryReads)
    # Inherited from the read port.
    assert "alerts" in protocol_members(ports.MonitoringWrites)
