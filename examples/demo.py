"""Steward end to end on the embedded default (SQLite): train, register, promote, audit.

Run with `make demo`. It uses its own home (.steward-demo, reset on every run) so it never
touches your registry.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import steward

console = Console(highlight=False)
HOME = Path(os.environ.get("STEWARD_DEMO_HOME", ".steward-demo")).resolve()


def steward_cli(*args: str, env: dict[str, str] | None = None, check: bool = True) -> int:
    """Run the real command line, as a user would, and show what it prints."""
    console.print(f"[bold cyan]$ steward {' '.join(args)}[/bold cyan]")
    result = subprocess.run(
        [sys.executable, "-m", "steward", *args], env=env or os.environ.copy(), check=False
    )
    if check and result.returncode != 0:
        raise SystemExit(f"demo step failed: steward {' '.join(args)} exited {result.returncode}")
    return result.returncode


def main() -> None:
    shutil.rmtree(HOME, ignore_errors=True)
    os.environ["STEWARD_HOME"] = str(HOME)
    os.environ["STEWARD_ACTOR"] = "dana.scientist"
    os.environ.pop("STEWARD_DATABASE_URL", None)
    os.environ.setdefault("COLUMNS", "120")

    console.print(Rule("1. A project: the analytics use case, its owner, KPIs and people"))
    steward_cli(
        "project", "create", "credit-risk",
        "--purpose", "Flag loan applications for manual review",
        "--objective", "Cut credit losses without slowing approvals",
        "--owner", "olga.owner",
        "--kpi", "loss rate: < 1.5%",
        "--kpi", "manual review share: < 20%",
        "--member", "dana.scientist:data_scientist",
        "--member", "victor.validator:validator",
        "--reason", "new use case approved by the credit committee",
    )  # fmt: skip

    console.print(Rule("2. Train two real models and register them from Python, lineage captured"))
    data = load_breast_cancer(as_frame=True)
    frame = data.frame
    train, valid = train_test_split(frame, test_size=0.3, random_state=7, stratify=frame["target"])
    x_train, y_train = train.drop(columns="target"), train["target"]
    x_valid, y_valid = valid.drop(columns="target"), valid["target"]
    candidates = {
        "logistic baseline": make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)),
        "gradient boosting": HistGradientBoostingClassifier(random_state=7),
    }
    client = steward.Client()
    for label, estimator in candidates.items():
        estimator.fit(x_train, y_train)
        auc = roc_auc_score(y_valid, estimator.predict_proba(x_valid)[:, 1])
        version = client.register(
            estimator,
            project="credit-risk",
            name="scorer",
            training_data=train,
            validation_data=valid,
            target="target",
            metrics={"auc": round(float(auc), 4), "n_train": len(train)},
            tags={"team": "risk", "dataset": "breast_cancer"},
            documentation={"intended_use": "pre-screening only", "limitations": label},
            description=label,
            reason="training run",
        )
        console.print(f"registered [bold]{version.ref}[/bold] ({label}) auc={auc:.4f}")

    console.print(Rule("3. Browse and search"))
    steward_cli(
        "version", "list", "--project", "credit-risk", "--tag", "team=risk", "--metric", "auc>=0.9"
    )
    steward_cli("version", "show", "credit-risk/scorer/2")

    console.print(Rule("4. Stage moves, each with a reason; v2 displaces v1 from production"))
    steward_cli(
        "version", "move", "credit-risk/scorer/1", "staging", "--reason", "baseline for validation"
    )
    steward_cli(
        "version",
        "move",
        "credit-risk/scorer/1",
        "production",
        "--reason",
        "validated, approved by V. Validator",
    )
    time.sleep(0.05)
    moment_v1 = client.audit_log(newest_first=True, limit=1).items[0].ts
    time.sleep(0.05)
    steward_cli("version", "move", "credit-risk/scorer/2", "staging", "--reason", "challenger")
    steward_cli(
        "version",
        "move",
        "credit-risk/scorer/2",
        "production",
        "--reason",
        "higher AUC on validation",
    )

    console.print(Rule("5. What was in production at a given time, and who put it there"))
    steward_cli("model", "at", "credit-risk/scorer", "--time", moment_v1)
    steward_cli("model", "at", "credit-risk/scorer", "--time", "now")

    console.print(Rule("6. The audit trail: who did what, when, why — verified"))
    steward_cli("audit", "log", "--entity", "credit-risk/scorer/1", "--oldest-first")
    steward_cli("audit", "verify")
    steward_cli("audit", "export", "--output", str(HOME / "audit.jsonl"))

    console.print(Rule("7. Tamper with a copy of the database: verification names the broken link"))
    copy = HOME / "tampered"
    copy.mkdir()
    client.close()
    source = sqlite3.connect(HOME / "steward.db")
    target = sqlite3.connect(copy / "steward.db")
    source.backup(target)
    source.close()
    target.execute("DROP TRIGGER audit_events_no_update")
    target.execute("UPDATE audit_events SET reason = 'nothing to see here' WHERE seq = 9")
    target.commit()
    target.close()
    tampered_env = {**os.environ, "STEWARD_HOME": str(copy)}
    code = steward_cli("audit", "verify", env=tampered_env, check=False)
    if code == 0:
        raise SystemExit("demo failed: tampering went unnoticed")
    console.print(f"(exit code {code}, as expected)")
    console.print(Rule("done"))
    console.print(f"The demo registry is in {HOME}; point STEWARD_HOME there to explore it.")


if __name__ == "__main__":
    main()
