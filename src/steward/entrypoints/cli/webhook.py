"""`steward webhook …`: try monitoring routes by hand before a real endpoint is wired in."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

import typer

from steward.entrypoints.cli.output import client, err_console

app = typer.Typer(help="Try webhook routes locally.", no_args_is_help=True)


@app.command("listen")
def listen(
    ctx: typer.Context,
    port: int = typer.Option(0, "--port", help="Port on 127.0.0.1 (0: a free one, printed)."),
    secret_env: str | None = typer.Option(
        None,
        "--secret-env",
        metavar="VAR",
        help="Variable holding the route's signing secret: bad signatures get 401.",
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Append each request as a JSON line here (default: stdout)."
    ),
    fail_first: int = typer.Option(
        0, "--fail-first", min=0, help="Answer this many requests with --failure-status first."
    ),
    failure_status: int = typer.Option(500, "--failure-status", help="Status of those answers."),
) -> None:
    """Listen on 127.0.0.1, print the URL to give a route, check signatures and show every
    request (repeats of a delivery marked) until interrupted (Ctrl-C or SIGTERM)."""
    handle = None if out is None else out.open("a", encoding="utf-8")
    lock = threading.Lock()

    def write(entry: dict[str, Any]) -> None:
        line = json.dumps(entry, ensure_ascii=False) + "\n"
        with lock:
            if handle is None:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                handle.write(line)
                handle.flush()

    stop = threading.Event()
    # SIGTERM ends the wait as Ctrl-C does, so the receiver still shuts down cleanly.
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    receiver = client(ctx).listen_webhooks(
        secret_env=secret_env,
        port=port,
        fail_first=fail_first,
        failure_status=failure_status,
        on_receive=write,
    )
    try:
        sys.stdout.write(receiver.url + "\n")
        sys.stdout.flush()
        err_console.print("listening; Ctrl-C stops", style="dim")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        receiver.close()
        if handle is not None:
            handle.close()
