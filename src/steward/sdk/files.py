"""The caller's own files: what the SDK reads to send and writes from what it gets back. No
rule lives here; every decision is the services'."""

from __future__ import annotations

from pathlib import Path

from steward.domain.errors import InvalidInputError


def read_text(path: str | Path, what: str) -> tuple[str, str]:
    """(text, name to show in messages) of a UTF-8 file."""
    file = Path(path)
    try:
        return file.read_text(encoding="utf-8"), file.name
    except FileNotFoundError:
        raise InvalidInputError(f"{what} {file} does not exist") from None
    except IsADirectoryError:
        raise InvalidInputError(f"{file} is a directory, not a {what}") from None
    except UnicodeDecodeError:
        raise InvalidInputError(f"{file}: not UTF-8 text") from None
    except OSError as exc:
        raise InvalidInputError(f"cannot read {file}: {exc.strerror}") from None


def read_bytes(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise InvalidInputError(f"cannot read {what} {path}: {exc.strerror}") from None


def writable(path: str | Path | None) -> Path | None:
    """The report path, refused at once when its folder does not exist: finding out after
    minutes of work would be unkind."""
    if path is None:
        return None
    out = Path(path)
    if not out.parent.is_dir():
        raise InvalidInputError(f"cannot write the report to {out}: no such directory")
    return out


def write_text(path: Path, text: str) -> Path:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise InvalidInputError(f"cannot write the report to {path}: {exc.strerror}") from None
    return path
