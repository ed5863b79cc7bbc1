"""Ports for what the use cases hand off: artifact bytes, parsing policy and rule files, model
files, facts about the training process, HTML reports, profiling on Spark, freeing memory."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pathlib import Path

    from steward.domain.policy import Policy
    from steward.domain.quality_rules import QualitySuite
    from steward.domain.windows import Window
    from steward.services.check_results import CheckOutcome, ReportHeader
    from steward.services.monitor_reads import MonitorHistory
    from steward.services.ports.values import StoredArtifact
    from steward.stats.profile import Profile


class ArtifactStore(Protocol):
    """Content-addressed bytes: `get` checks what it returns against the digest."""

    def put(self, data: bytes) -> StoredArtifact: ...
    def get(self, digest: str) -> bytes: ...
    def exists(self, digest: str) -> bool: ...


class PolicyLoader(Protocol):
    """Turns policy text into a validated Policy, or raises PolicyInvalidError naming the
    source, the line and the field."""

    def load(self, text: str, source: str) -> Policy: ...
    def builtin(self) -> dict[str, str]:
        """Name -> YAML text of the policies shipped in the package."""
        ...


class SuiteLoader(Protocol):
    """Reads a data-quality rule suite (YAML), or raises InvalidInputError naming file:line."""

    def load(self, path: Path) -> QualitySuite: ...


class ModelCodec(Protocol):
    """Model objects to artifact bytes and back; loading what could run code needs `trust`."""

    def serialize(self, model: object, fmt: str) -> tuple[bytes, str]:
        """(bytes, format actually used); `fmt` is auto, skops or joblib."""
        ...

    def deserialize(self, data: bytes, fmt: str, *, trust: bool) -> object: ...
    def describe(self, model: object) -> dict[str, Any]:
        """Framework, class, parameters and feature names, as JSON-ready data."""
        ...


class SourceCapture(Protocol):
    """Facts about where a model was trained: the code's git state and the environment."""

    def code(self, directory: Path | None) -> dict[str, Any]: ...
    def environment(self) -> dict[str, Any]: ...


class ReportRenderer(Protocol):
    def render(self, header: ReportHeader, outcomes: list[CheckOutcome]) -> str:
        """A self-contained HTML document (inline CSS and SVG; nothing fetched when opened)."""
        ...


class MonitorReportRenderer(Protocol):
    def render(self, history: MonitorHistory) -> str:
        """The offline HTML report of a version's windows, alerts and reviews."""
        ...


class SparkProfiler(Protocol):
    """Profiles a Spark DataFrame where it lives, one profile per window, on the reference's
    terms; returns the profiles by window start and the number of rows without a time."""

    def __call__(
        self,
        reference: Profile,
        frame: Any,
        *,
        time_column: str | None,
        window: Window,
        now_epoch: int,
    ) -> tuple[dict[int, Profile], int]: ...


class MemoryRelease(Protocol):
    """Hands memory freed by the last step back to the system, so steps do not stack up."""

    def __call__(self) -> None: ...
