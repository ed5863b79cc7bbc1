"""Finding a version by reference, with the error that says which part of the reference is
unknown. Shared by every use case that takes a PROJECT/MODEL/NUMBER."""

from __future__ import annotations

from typing import NoReturn

from steward.domain.errors import NotFoundError
from steward.domain.naming import VersionRef
from steward.services.ports import ReadSession, VersionHandle, WriteSession


def version_for_write(tx: WriteSession, ref: VersionRef) -> VersionHandle:
    handle = tx.registry.version(ref.project, ref.model, ref.number)
    if handle is None:
        if tx.registry.project_id(ref.project) is None:
            raise NotFoundError(f"unknown project {ref.project!r}")
        raise NotFoundError(f"unknown version {ref}")
    return handle


def explain_unknown_version(q: ReadSession, ref: VersionRef) -> NoReturn:
    """Raise NotFoundError for a version that a read did not find: its project, or the version."""
    if q.registry.get_project(ref.project) is None:
        raise NotFoundError(f"unknown project {ref.project!r}")
    raise NotFoundError(f"unknown version {ref}")


def explain_missing(q: ReadSession, ref: VersionRef) -> NoReturn:
    """Raise NotFoundError naming the first unknown part of `ref`."""
    if q.registry.get_project(ref.project) is None:
        raise NotFoundError(f"unknown project {ref.project!r}")
    if q.registry.get_model(ref.project, ref.model) is None:
        raise NotFoundError(f"unknown model {ref.project}/{ref.model}")
    raise NotFoundError(f"unknown version {ref}")
