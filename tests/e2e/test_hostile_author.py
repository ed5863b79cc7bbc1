"""The hostile author, on SQLite and PostgreSQL, through the real command line.

Ana registered the version. She (and a colluding owner) try what the controls used to let
through: a role for herself, a validator under another spelling of her name or an alias, a
weaker tier, a weaker policy, approving their own requests, closing an alert's review alone.
Each attempt is refused with one line (nothing written) or left pending for a second person;
the legitimate path, where a second risk officer decides and independent validators sign,
still promotes the version to production."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import skops.io
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from tests.e2e.conftest import Result
from tests.policy_samples import GATES_POLICY

VERSION = "credit/scorer/1"
CYRILLIC_A = "\u0430"


class Team:
    def __init__(self, home: Path, database_url: str, work: Path) -> None:
        self.home, self.database_url, self.work = home, database_url, work

    def run(self, *args: str, actor: str | None) -> Result:
        """`steward ARGS` as a process; `actor=None` is the operating-system login."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
        environ |= {
            "STEWARD_HOME": str(self.home),
            "STEWARD_DATABASE_URL": self.database_url,
            "COLUMNS": "200",
        }
        if actor is not None:
            environ["STEWARD_ACTOR"] = actor
        proc = subprocess.run(
            [sys.executable, "-m", "steward", *args],
            capture_output=True,
            text=True,
            env=environ,
            cwd=self.work,
            timeout=120,
            check=False,
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def ok(self, *args: str, actor: str | None) -> Result:
        done = self.run(*args, actor=actor)
        assert done.code == 0, (args, done.err)
        return done

    def pending(self, *args: str, actor: str | None) -> int:
        """Run a command whose change must wait; the id of the pending change."""
        done = self.ok(*args, "--json", actor=actor)
        change: dict[str, object] = json.loads(done.out)["pending_change"]
        assert change["status"] == "pending"
        return int(str(change["id"]))

    def trail(self) -> list[dict[str, object]]:
        listed = self.ok("audit", "log", "--limit", "1000", "--json", actor="auditor")
        items: list[dict[str, object]] = json.loads(listed.out)["items"]
        return items

    def refused(self, code: int, message: str, *args: str, actor: str) -> None:
        """The attempt fails with one line naming why, and the trail is unchanged."""
        before = self.trail()
        done = self.run(*args, actor=actor)
        assert done.code == code, (args, done.code, done.err)
        assert done.err.startswith("steward: error: ") and message in done.err, done.err
        assert len(done.err.strip().splitlines()) == 1 and "Traceback" not in done.err
        assert self.trail() == before

    def tier(self) -> str:
        shown = self.ok("project", "assessment", "credit", "--json", actor="auditor")
        return str(json.loads(shown.out)["tier"])


@pytest.fixture
def team(database_url: str, tmp_path: Path) -> Team:
    """rita and mia are the organisation's risk officers; olga owns 'credit' (classified high
    under the two-tier test policy) with ana as data scientist and vera and victor as
    validators; ana registered credit/scorer/1."""
    work = tmp_path / "work"
    work.mkdir()
    t = Team(tmp_path / "home", database_url, work)
    t.ok("org", "init", "--reason", "the team's store", actor=None)
    t.ok("org", "grant", "rita", "risk_officer", "--reason", "head of model risk", actor=None)
    mia = t.pending("org", "grant", "mia", "risk_officer", "--reason", "second line", actor=None)
    t.ok("change", "approve", str(mia), "--reason", "mia joins model risk", actor="rita")
    (work / "gates.yaml").write_text(GATES_POLICY, encoding="utf-8")
    t.ok("policy", "apply", "gates.yaml", "--reason", "the lending policy", actor="rita")
    made = t.ok(
        "project", "create", "credit", "--member", "ana:data_scientist",
        "--member", "vera:validator", "--member", "victor:validator", "--json", actor="olga",
    )  # fmt: skip
    for change in json.loads(made.out)["pending_changes"]:
        t.ok("change", "approve", str(change["id"]), "--reason", "staffing agreed", actor="rita")
    t.ok(
        "project", "classify", "credit", "--policy", "test-gates", "--answer", "impact=high",
        "--reason", "lends money", actor="rita",
    )  # fmt: skip
    data = load_iris(as_frame=True)
    skops.io.dump(
        DecisionTreeClassifier(random_state=0).fit(data.data, data.target), work / "m.skops"
    )
    t.ok(
        "version", "register", "credit/scorer", "--artifact", "m.skops",
        "--doc", "intended_use=pre-screening of loan applications", actor="ana",
    )  # fmt: skip
    return t


def test_the_hostile_author_is_refused_or_left_pending_and_the_honest_path_promotes(
    team: Team,
) -> None:
    # A role for herself, or a validator who is herself under another spelling.
    team.refused(
        5, "ana may not project.members.change", "project", "member", "add", "credit", "ana",
        "--role", "validator", "--reason", "I validate", actor="ana",
    )  # fmt: skip
    for variant in ("Ana", "ana.", "ANA", f"{CYRILLIC_A}na", "ana\u200b", "\uff41\uff4e\uff41"):
        team.refused(
            2, "steward: error: member ", "project", "member", "add", "credit", variant, "--role", "validator",
            "--reason", "an independent validator", actor="olga",
        )  # fmt: skip
        team.refused(
            2, "steward: error: actor ", "signoff", "approve", VERSION, "--stage", "production", "--role",
            "validator", "--reason", "looks good", actor=variant,
        )  # fmt: skip
    # An alias of hers is her: separation of duties still sees the author.
    team.ok("org", "alias", "ana@corp.example", "ana", "--reason", "ana's e-mail", actor=None)
    team.refused(
        5, "ana does not hold role 'validator'", "signoff", "approve", VERSION, "--stage", "production", "--role",
        "validator", "--reason", "independent review", actor="ana@corp.example",
    )  # fmt: skip

    # A weaker tier waits; nobody approves their own request, nor does the author.
    team.refused(
        5, "ana may not project.classify", "project", "classify", "credit", "--answer",
        "impact=low", "--reason", "smaller scope", actor="ana",
    )  # fmt: skip
    downgrade = team.pending(
        "project", "classify", "credit", "--answer", "impact=low", "--policy", "test-gates",
        "--reason", "smaller scope", actor="olga",
    )  # fmt: skip
    assert team.tier() == "high"
    for person in ("olga", "ana"):
        team.refused(
            5, "may not change.approve", "change", "approve", str(downgrade), "--reason", "fine",
            actor=person,
        )  # fmt: skip

    # A weaker policy waits too, and its requester cannot approve it.
    (team.work / "lax.yaml").write_text(
        GATES_POLICY.replace("{role: validator, count: 2,", "{role: validator, count: 1,"),
        encoding="utf-8",
    )
    lax = team.pending("policy", "apply", "lax.yaml", "--reason", "one is enough", actor="rita")
    team.refused(
        5, "a second person must", "change", "approve", str(lax), "--reason", "agreed",
        actor="rita",
    )  # fmt: skip
    shown = team.ok("policy", "show", "test-gates", "--json", actor="ana")
    assert json.loads(shown.out)["stored"]["version"] == 1

    # Pending changes are where the second person looks.
    inbox = json.loads(team.ok("inbox", "--json", actor="mia").out)
    assert {c["id"] for c in inbox["changes_to_approve"]} == {downgrade, lax}
    listed = json.loads(team.ok("request", "list", "--json", actor="mia").out)
    assert {c["id"] for c in listed["changes"]} == {downgrade, lax}

    # The second risk officer decides: both weakenings are rejected, with reasons.
    for change in (downgrade, lax):
        team.ok("change", "reject", str(change), "--reason", "not justified", actor="mia")
    assert team.tier() == "high"

    # The honest path: evidence, independent validators, promotion.
    for kind, metric in (("performance", ("--metric", "auc=0.81")), ("data_quality", ())):
        team.ok("evidence", "add", VERSION, "--kind", kind, *metric, "--passed", actor="ana")
    team.ok("promote", VERSION, "--to", "staging", "--reason", "candidate", actor="ana")
    for validator in ("vera", "victor"):
        team.ok(
            "signoff", "approve", VERSION, "--stage", "production", "--role", "validator",
            "--reason", "validated", actor=validator,
        )  # fmt: skip
    promoted = team.ok("promote", VERSION, "--to", "production", "--reason", "go live", actor="ana")
    assert "promoted to production" in promoted.out
    verified = team.ok("audit", "verify", "--json", actor="auditor")
    assert json.loads(verified.out)["ok"] is True
