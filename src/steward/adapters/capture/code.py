"""Record which code produced a model: git commit, dirtiness, branch and remote."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_TIMEOUT_SECONDS = 10.0


class _GitUnavailableError(Exception):
    """git could not answer at all; the message becomes the capture's note."""


def capture_code(start: Path | None = None) -> dict[str, Any]:
    """Describe the git checkout around `start`; never raises, since capture must not stop training.

    `start` defaults to the directory of the running script, because that is the code being
    recorded even when the process was started from somewhere else.
    """
    empty: dict[str, Any] = {
        "git_commit": None,
        "git_dirty": None,
        "git_branch": None,
        "git_remote": None,
        "path": None,
    }
    try:
        directory = _start_directory(start)
        root = _git(directory, "rev-parse", "--show-toplevel")
        if root is None:
            return {**empty, "note": f"{directory} is not inside a git repository"}
        # --untracked-files=no: build outputs and notebooks lying around are not code changes.
        status = _git(directory, "status", "--porcelain", "--untracked-files=no")
        remote = _git(directory, "remote", "get-url", "origin")
        return {
            "git_commit": _git(directory, "rev-parse", "--verify", "--quiet", "HEAD"),
            "git_dirty": None if status is None else status != "",
            "git_branch": _git(directory, "symbolic-ref", "--quiet", "--short", "HEAD"),
            "git_remote": None if remote is None else strip_credentials(remote),
            "path": root,
        }
    except _GitUnavailableError as exc:
        return {**empty, "note": str(exc)}
    except Exception as exc:  # last resort: provenance is best-effort by contract
        return {**empty, "note": f"could not inspect the code: {type(exc).__name__}: {exc}"}


def strip_credentials(url: str) -> str:
    """Drop any user[:password]@ from a URL so tokens never reach the audit trail."""
    parts = urlsplit(url)
    if not parts.scheme or "@" not in parts.netloc:
        return url  # scp-style git@host:path names an account, not a secret
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=host))


def _start_directory(start: Path | None) -> Path:
    if start is None:
        script = getattr(sys.modules.get("__main__"), "__file__", None)
        start = Path(script).resolve().parent if script else Path.cwd()
    start = Path(start)
    return start.parent if start.is_file() else start


def _git(directory: Path, *args: str) -> str | None:
    """Run one git command; None when git answers with a failure (e.g. no commits yet)."""
    if not directory.is_dir():
        raise _GitUnavailableError(f"{directory} is not a directory")
    # Never prompt for credentials or open a pager: this runs unattended inside training jobs.
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "GIT_PAGER": "cat", "LC_ALL": "C"}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=directory,
            env=env,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError as exc:
        raise _GitUnavailableError("git is not installed") from exc
    except subprocess.TimeoutExpired as exc:
        raise _GitUnavailableError(f"git {args[0]} took longer than {_TIMEOUT_SECONDS:g}s") from exc
    except OSError as exc:
        raise _GitUnavailableError(f"git could not be run: {exc}") from exc
    if done.returncode != 0:
        if "dubious ownership" in done.stderr:
            raise _GitUnavailableError(f"git refuses to read {directory}: dubious ownership")
        return None
    return done.stdout.strip()
