"""Several processes writing at once keep one gapless, valid audit chain (real processes)."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from steward.sdk import Client
from tests.support.org import grant_org_roles

WORKERS = 4
ROUNDS = 8


def _worker(database_url: str, home: str, worker: int, start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    rng = np.random.default_rng(worker)
    x = rng.normal(size=(40, 3))
    model = LogisticRegression().fit(x, (x[:, 0] > 0).astype(int))
    with Client(home=home, database_url=database_url, actor=f"worker{worker}") as client:
        client.create_project(f"p{worker}")
        for i in range(ROUNDS):
            client.add_member("shared", f"w{worker}-{i}", "reviewer")
            # Everyone registers into the same model: version numbers must not collide.
            client.register(model, project="shared", name="m", tags={"worker": str(worker)})


def test_concurrent_processes_keep_the_chain_gapless(database_url: str, steward_home: Path) -> None:
    with Client(home=steward_home, database_url=database_url, actor="setup") as client:
        # Each worker registers into the shared project and changes its members: an admin.
        client.create_project(
            "shared", members={f"worker{w}": "ml_engineer" for w in range(WORKERS)}
        )
        grant_org_roles(client.settings, {f"worker{w}": "admin" for w in range(WORKERS)})
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Event()
    procs = [
        ctx.Process(target=_worker, args=(database_url, str(steward_home), w, start))
        for w in range(WORKERS)
    ]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=300)
    assert [p.exitcode for p in procs] == [0] * WORKERS

    with Client(home=steward_home, database_url=database_url, actor="check") as client:
        result = client.verify_audit()
        # set-up: the shared project, its members, the first admin and one admin role per
        # worker; per worker: project, ROUNDS x (member, version, tag); one model.created
        expected = (1 + WORKERS) + (1 + WORKERS) + WORKERS * (1 + ROUNDS * 3) + 1
        assert result.ok and result.checked == result.head_seq == expected
        numbers = sorted(v.number for v in client.versions("shared", "m", limit=1000).items)
        assert numbers == list(range(1, WORKERS * ROUNDS + 1))
        seqs = [e.seq for e in client.audit_log(limit=1000, newest_first=False).items]
        assert seqs == list(range(1, expected + 1))
        times = [e.ts for e in client.audit_log(limit=1000, newest_first=False).items]
        assert times == sorted(times), "the chain's clock never runs backwards"
