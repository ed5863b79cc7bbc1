"""Governance on the command line, as a team lives it: classify a project, gather evidence, sign
off with separation of duties, and promote through the gates of the shipped `default` policy.

One store serves the whole module. Commands whose exit code, standard error or exact output the
user meets run as `python -m steward` subprocesses (about a second each); the steps that only
build up state run in-process through the same Typer app, to keep the file fast."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
import skops.io
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier
from typer.testing import CliRunner

from steward.entrypoints.cli.app import app
from tests.e2e.conftest import Result, run_as
from tests.policy_samples import GATES_POLICY

VERSION = "credit/scorer/1"
DOCS = {
    "intended_use": "score loan applications for the credit desk",
    "owner": "alice",
    "limitations": "not for business loans",
    "data_lineage": "core banking extract, reviewed",
    "pii_handling": "pseudonymised customer ids",
    "validation_date": "2026-01-15 by bob",
    "deployment_mode": "batch, nightly",
    "rollback_plan": "promote the previous version back",
    "monitoring_plan": "weekly drift report to the risk team",
}


@dataclass
class World:
    home: Path
    work: Path

    def run(self, *args: str, actor: str | None = "alice") -> Result:
        """A command as a process; `actor=None` acts as the operating-system login."""
        return run_as(self.home, *args, actor=actor, cwd=self.work)

    def invoke(self, *args: str, actor: str = "alice") -> Result:
        """The same command in-process; for steps that succeed (errors would raise here)."""
        env: dict[str, str | None] = {k: None for k in os.environ if k.startswith("STEWARD_")}
        env.update({"STEWARD_HOME": str(self.home), "STEWARD_ACTOR": actor, "COLUMNS": "200"})
        result = CliRunner().invoke(app, list(args), env=env)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise result.exception
        return Result(result.exit_code, result.stdout, "")


def _git(work: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=Alice", "-c", "user.email=alice@example.com", *args],
        cwd=work,
        check=True,
        capture_output=True,
    )


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    """A project with four members, a version registered by alice from a clean git checkout,
    classified into the highest tier of the default policy."""
    if shutil.which("git") is None:
        pytest.skip("needs git to record a clean code commit")
    root = tmp_path_factory.mktemp("governance")
    world = World(root / "home", root / "work")
    world.work.mkdir()
    _git(world.work, "init", "--quiet")
    (world.work / "train.py").write_text("# trains the scorer\n")
    _git(world.work, "add", "train.py")
    _git(world.work, "commit", "--quiet", "-m", "scorer")
    data = load_iris(as_frame=True)
    model = DecisionTreeClassifier(random_state=0).fit(data.data, data.target)
    skops.io.dump(model, world.work / "tree.skops")  # untracked files leave the checkout clean
    data.frame.to_parquet(world.work / "train.parquet")
    data.frame.sample(frac=0.3, random_state=0).to_parquet(world.work / "valid.parquet")

    # The machine's login sets up the store; dave is the organisation's risk officer.
    assert world.run("org", "init", actor=None).code == 0
    granted = world.run("org", "grant", "dave", "risk_officer", "--reason", "MRM", actor=None)
    assert granted.code == 0, granted.err
    # A second risk officer waits for the first one's approval.
    asked = world.run(
        "org", "grant", "rita", "risk_officer", "--reason", "MRM", "--json", actor=None
    )
    assert asked.code == 0, asked.err
    rita = json.loads(asked.out)["pending_change"]["id"]
    assert (
        world.run("change", "approve", str(rita), "--reason", "second line", actor="dave").code == 0
    )
    members = ["alice:data_scientist", "bob:validator", "carol:validator", "dave:risk_officer"]
    made = world.invoke(
        "project", "create", "credit", *(a for m in members for a in ("--member", m)),
        "--json", actor="olga",
    )  # fmt: skip
    assert made.code == 0, made.err
    # Every one of these roles signs under the default policy: each waits for an officer who
    # is not the person receiving it.
    waiting = json.loads(made.out)["pending_changes"]
    assert len(waiting) == 4
    for change in waiting:
        officer = "rita" if change["summary"].startswith("give dave ") else "dave"
        approved = world.run(
            "change", "approve", str(change["id"]), "--reason", "staffing agreed", actor=officer
        )
        assert approved.code == 0, approved.err
    docs = [a for k, v in DOCS.items() for a in ("--doc", f"{k}={v}")]
    registered = world.run(
        "version", "register", "credit/scorer", "--artifact", "tree.skops",
        "--training-data", "train.parquet", "--validation-data", "valid.parquet",
        "--target", "target", *docs,
    )  # fmt: skip
    assert registered.code == 0, registered.err
    # Unquoted yes/no stay text in an answers file; --answer beats the file.
    (world.work / "answers.yaml").write_text(
        "audience: customers\nusage: scheduled\nlifetime: years\nimpact: significant\n"
        "affects_people: yes\naffects_money: no\nautomation: automatic\n"
    )
    classified = world.run(
        "project", "classify", "credit", "--answers-file", "answers.yaml",
        "--answer", "usage=operational", "--reason", "credit decisions", "--json", actor="olga",
    )  # fmt: skip
    assert classified.code == 0, classified.err
    assessment = json.loads(classified.out)
    assert assessment["tier"] == "operational"
    assert assessment["answers"]["affects_people"] == "yes"
    assert assessment["policy"] == {"name": "default", "version": 1}
    return world


def _statuses(world: World, stage: str) -> dict[str, str]:
    status = world.invoke("gate", "status", VERSION, "--to", stage, "--json")
    assert status.code == 0, status.err
    return {r["key"]: r["status"] for r in json.loads(status.out)["requirements"]}


def _evidence(world: World, kind: str, *args: str) -> None:
    added = world.invoke("evidence", "add", VERSION, "--kind", kind, *args)
    assert added.code == 0, added.err


def _approve(world: World, signer: str, stage: str, role: str) -> Result:
    return world.invoke(
        "signoff", "approve", VERSION, "--stage", stage, "--role", role,
        "--reason", f"reviewed for {stage}", actor=signer,
    )  # fmt: skip


def _new_evidence_makes_the_approval_stale(world: World) -> None:
    _evidence(world, "performance", "--metric", "auc=0.93", "--summary", "retrained")
    stale = world.invoke("gate", "status", VERSION, "--to", "staging")
    assert stale.code == 0 and "stale" in stale.out and "blocked" in stale.out
    assert world.invoke("gate", "status", VERSION, "--to", "staging", "--exit-code").code == 6
    assert _approve(world, "bob", "staging", "validator").code == 0
    listed = json.loads(world.invoke("signoff", "list", VERSION, "--json").out)
    assert [i["evidence"] for i in listed["items"]] == ["stale", "current"]


def test_a_version_earns_its_way_to_production(world: World) -> None:
    before = _statuses(world, "staging")
    assert before["check:data_quality passed"] == "missing"
    assert before["signoff:validator"] == "missing"
    assert before["lineage:clean_code"] == "met"
    assert before["documentation:pii_handling"] == "met"

    refused = world.run("promote", VERSION, "--to", "staging", "--reason", "ready")
    assert refused.code == 6
    first, *reasons = refused.err.rstrip("\n").split("\n")
    assert first.startswith(f"steward: error: promotion of {VERSION} to staging is blocked: ")
    assert "(request #1 opened)" in first
    assert "  - missing: check data_quality passed (no data_quality evidence)" in reasons
    assert len(reasons) == len([s for s in before.values() if s != "met"])
    # `version move` goes through the same gate and says so the same way.
    moved = world.run("version", "move", VERSION, "staging", "--reason", "ready", "--json")
    assert moved.code == 6
    assert json.loads(moved.out)["promoted"] is False
    assert json.loads(moved.out)["reasons"] == [r.removeprefix("  - ") for r in reasons]

    inbox = json.loads(world.invoke("inbox", "--person", "bob", "--json").out)
    assert [
        (i["request"]["version"], i["request"]["to"], i["roles"]) for i in inbox["to_sign"]
    ] == [(VERSION, "staging", ["validator"])]

    _evidence(world, "data_quality", "--passed", "--summary", "no rule failed")
    _evidence(world, "performance", "--metric", "auc=0.91", "--config", "split=holdout")
    _evidence(world, "explainability", "--passed")
    _evidence(world, "fairness", "--metric", "demographic_parity_ratio=0.9",
              "--metric", "equalized_odds_difference=0.05")  # fmt: skip

    own = world.run(
        "signoff", "approve", VERSION, "--stage", "staging", "--role", "validator",
        "--reason", "my own work", actor="alice",
    )  # fmt: skip
    assert own.code == 5 and own.err.count("\n") == 1
    assert _approve(world, "bob", "staging", "validator").code == 0
    _new_evidence_makes_the_approval_stale(world)

    staged = world.run("promote", VERSION, "--to", "staging", "--reason", "validated")
    assert staged.code == 0, staged.err
    assert staged.out.strip() == (
        f"{VERSION} promoted to staging (policy default v1, tier operational, outcome met)"
    )

    _evidence(world, "champion_challenger", "--passed")
    expires = (date.today() + timedelta(days=30)).isoformat()
    waived = world.invoke(
        "waiver", "grant", VERSION, "--stage", "production", "--requirement",
        "check:load_test passed", "--role", "risk_officer", "--reason",
        "load test environment down; batch scoring only", "--expires", expires, actor="dave",
    )  # fmt: skip
    assert waived.code == 0, waived.err
    for signer, role in (("bob", "validator"), ("carol", "validator"), ("dave", "risk_officer")):
        assert _approve(world, signer, "production", role).code == 0
    live = world.run("promote", VERSION, "--to", "production", "--reason", "approved", "--json")
    assert live.code == 0, live.err
    assert json.loads(live.out)["decision"]["outcome"] == "met_with_waivers"

    trail = json.loads(world.invoke("audit", "log", "--entity", VERSION, "--limit", "100",
                                 "--oldest-first", "--json").out)  # fmt: skip
    actions = [e["action"] for e in trail["items"]]
    assert actions[0] == "version.registered" and actions[-1] == "version.stage_changed"
    for action in ("promotion.requested", "evidence.added", "signoff.approved", "waiver.granted"):
        assert action in actions
    requests = json.loads(world.invoke("request", "list", "--status", "all", "--json").out)
    assert [(r["to"], r["status"]) for r in requests["items"]] == [("staging", "promoted")]
    kpis = json.loads(world.invoke("governance", "kpis", "--json").out)
    assert kpis["overall"]["production_versions"] == 1
    assert kpis["teams"][0]["team"] == "credit" and kpis["teams"][0]["open_waivers"] == 1


def test_views_for_people_render(world: World) -> None:
    """The tables (not JSON) of every read command render, whatever state the flow left."""
    views = {
        ("policy", "show", "default"): "operational",
        ("policy", "list"): "default",
        ("project", "assessment", "credit"): "tier operational",
        ("gate", "status", VERSION, "--to", "production"): "outcome",
        ("evidence", "list", VERSION): "digest",
        ("signoff", "list", VERSION): "signer",
        ("inbox",): "waiting for your sign-off",
        ("waiver", "list"): "granted by",
        ("request", "list", "--status", "all"): "requested",
        ("governance", "kpis"): "Leaderboard",
        ("governance", "recertifications"): "overdue",
    }
    for args, expected in views.items():
        result = world.invoke(*args, actor="bob")
        assert result.code == 0 and expected in result.out, (args, result.out)


def test_policy_files_are_checked_and_versioned(world: World) -> None:
    broken = world.work / "broken.yaml"
    text = GATES_POLICY.replace("recertify_days: 365", "recertify_days: soon")
    broken.write_text(text)
    number = next(i for i, line in enumerate(text.splitlines(), 1) if "soon" in line)
    invalid = world.run("policy", "validate", str(broken))
    assert invalid.code == 2
    message = invalid.err.strip()
    assert "\n" not in message and f"broken.yaml:{number}:" in message, message
    assert "recertify_days" in message

    good = world.work / "gates.yaml"
    good.write_text(GATES_POLICY)
    valid = world.invoke("policy", "validate", str(good))
    assert valid.code == 0 and valid.out.startswith(f"{good}: valid (policy test-gates, digest ")
    refused = world.run("policy", "apply", str(good), "--reason", "pilot")
    assert (refused.code, refused.err.strip()) == (
        5,
        "steward: error: alice may not policy.apply: it needs the role risk_officer or admin",
    )
    applied = world.invoke("policy", "apply", str(good), "--reason", "pilot", actor="dave")
    assert applied.out.strip() == "applied test-gates v1"
    again = world.invoke("policy", "apply", str(good), actor="dave")
    assert again.out.strip() == "unchanged: test-gates v1 already has this content"
    history = json.loads(world.invoke("policy", "history", "test-gates", "--json").out)
    assert [v["version"] for v in history["items"]] == [1]


@pytest.mark.parametrize(
    ("metric", "message"),
    [
        ("auc=5", "metric 'auc' of performance evidence must be between 0 and 1, got 5"),
        ("auc=-3", "metric 'auc' of performance evidence must be between 0 and 1, got -3"),
        ("auc=1_0", "metric 'auc' must be a finite decimal number, got '1_0'"),
        ("auc=nan", "metric 'auc' must be a finite decimal number, got 'nan'"),
    ],
)
def test_an_impossible_metric_is_refused_in_one_line_and_leaves_no_evidence(
    world: World, metric: str, message: str
) -> None:
    """A hand-typed `auc=5` would meet any `>= 0.75` threshold; `1_0` is Python's 10."""
    before = world.invoke("evidence", "list", VERSION, "--json").out
    refused = world.run("evidence", "add", VERSION, "--kind", "performance", "--metric", metric)
    assert refused.code == 2
    assert refused.err.strip() == f"steward: error: {message}"
    assert world.invoke("evidence", "list", VERSION, "--json").out == before
