"""Permissions from the command line, played by a hostile member of the team: each attempt is
refused with one line and exit 5 (or 2 for a typed name claiming the store), and the audit
trail is exactly as it was. The legitimate path (the login sets up the store, an admin grants
the risk officer, who applies a policy) works."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Result, run_as
from tests.policy_samples import GATES_POLICY


class Store:
    def __init__(self, home: Path) -> None:
        self.home = home

    def run(self, *args: str, actor: str | None) -> Result:
        """`actor=None` runs as the operating-system login, with no declared name."""
        return run_as(self.home, *args, actor=actor)

    def trail(self) -> list[dict[str, object]]:
        listed = self.run("audit", "log", "--limit", "1000", "--json", actor="auditor")
        assert listed.code == 0, listed.err
        items: list[dict[str, object]] = json.loads(listed.out)["items"]
        return items


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "home")
    assert s.run("org", "init", "--reason", "new store", actor=None).code == 0
    assert s.run("org", "grant", "rita", "risk_officer", "--reason", "MRM", actor=None).code == 0
    made = s.run(
        "project", "create", "credit", "--member", "mallory:data_scientist",
        "--member", "vera:validator", actor="olga",
    )  # fmt: skip
    assert made.code == 0, made.err
    return s


@pytest.mark.parametrize(
    ("args", "actor", "code", "message"),
    [
        (
            ("project", "member", "add", "credit", "mallory", "--role", "validator"),
            "mallory",
            5,
            "mallory may not project.members.change in project 'credit': it needs the role "
            "owner or admin",
        ),
        (
            ("project", "member", "add", "credit", "olga", "--role", "validator"),
            "olga",
            5,
            "olga cannot grant a role to themselves: ask the project's owner or an admin",
        ),
        (
            ("project", "classify", "credit", "--answer", "usage=adhoc"),
            "mallory",
            5,
            "mallory may not project.classify in project 'credit': it needs the role owner or "
            "risk_officer or admin",
        ),
        (
            ("org", "grant", "mallory", "admin", "--reason", "trust me"),
            "mallory",
            5,
            "mallory may not admin: it needs the role admin",
        ),
        (
            ("org", "init"),
            "mallory",
            2,
            "the first admin must be established by the operating system or a login, not "
            "declared: run without --actor and STEWARD_ACTOR (you declared mallory)",
        ),
        (
            ("version", "tag", "credit/scorer/1", "team=x"),
            "outsider",
            5,
            "outsider may not version.tag in project 'credit': it needs a role in the project",
        ),
    ],
    ids=["members", "self-grant", "classify", "org-grant", "org-init", "outsider"],
)
def test_each_hostile_attempt_is_refused_in_one_line_and_writes_nothing(
    store: Store, args: tuple[str, ...], actor: str, code: int, message: str
) -> None:
    before = store.trail()
    refused = store.run(*args, actor=actor)
    assert (refused.code, refused.err.strip()) == (code, f"steward: error: {message}")
    assert store.trail() == before


def test_only_an_officer_applies_a_policy_and_the_table_shows_who_may_what(
    store: Store, tmp_path: Path
) -> None:
    policy = tmp_path / "gates.yaml"
    policy.write_text(GATES_POLICY + "permissions:\n  stage.move: [validator]\n")
    before = store.trail()
    refused = store.run("policy", "apply", str(policy), actor="mallory")
    assert refused.code == 5 and "needs the role risk_officer or admin" in refused.err
    assert store.trail() == before
    assert store.run("policy", "apply", str(policy), actor="rita").code == 0
    shown = store.run("policy", "show", "test-gates", "--permissions", "--json", actor="mallory")
    permissions = json.loads(shown.out)["permissions"]
    assert permissions["stage.move"] == ["validator"]
    assert permissions["policy.apply"] == ["risk_officer", "admin"]
    table = store.run("policy", "show", "test-gates", "--permissions", actor="mallory").out
    assert "stage.move" in table and "organisation" in table
    roles = json.loads(store.run("org", "roles", "--json", actor="mallory").out)["items"]
    assert {r["person"]: r["roles"] for r in roles}["rita"] == ["risk_officer"]
