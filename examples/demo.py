"""Steward end to end on the embedded default (SQLite): classify, train, register, gather
evidence, sign off, promote through the gates, measure, audit.

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

import numpy as np
import pandas as pd
from rich.console import Console
from rich.rule import Rule
from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score, roc_auc_score
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


DOCUMENTATION = {
    "intended_use": "pre-screening of loan applications; underwriters decide",
    "owner": "olga.owner",
    "limitations": "trained on a public diagnostic dataset standing in for credit data",
    "validation_date": "2026-11-23",
    "data_lineage": "scikit-learn bundled dataset, 30 numeric columns, no joins",
    "deployment_mode": "nightly batch scoring on one server",
    "monitoring_plan": "weekly drift on inputs and score; AUC monthly once labels arrive",
}


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise SystemExit(f"demo failed: {message}")
    console.print("[green](refused, as expected)[/green]")


def attach_evidence(
    ci: steward.Client,
    ref: str,
    model: object,
    x: pd.DataFrame,
    y: pd.Series,
    *,
    seed: int,
    kinds: tuple[str, ...] = ("performance", "explainability", "fairness"),
) -> None:
    """Compute real evidence with scikit-learn and attach it. The evidence engine will do this
    in one command; here the numbers are computed by hand to show what a gate reads."""
    rng = np.random.default_rng(seed)
    # A bootstrap resample stands in for a fresh holdout, so each run gives new numbers.
    rows = rng.integers(0, len(x), len(x))
    xs, ys = x.iloc[rows], y.iloc[rows]
    scores = model.predict_proba(xs)[:, 1]  # type: ignore[attr-defined]
    chosen = scores >= 0.5
    if "performance" in kinds:
        ci.add_evidence(
            ref,
            "performance",
            passed=True,
            metrics={
                "auc": round(float(roc_auc_score(ys, scores)), 4),
                "accuracy": round(float(accuracy_score(ys, chosen)), 4),
                "f1": round(float(f1_score(ys, chosen)), 4),
            },
            config={"split": "validation", "bootstrap_seed": seed},
            summary="validation metrics",
        )
    if "explainability" in kinds:
        importance = permutation_importance(model, xs, ys, n_repeats=3, random_state=seed)
        shares = np.abs(importance.importances_mean)
        ci.add_evidence(
            ref,
            "explainability",
            passed=True,
            metrics={
                "features_explained": float(len(shares)),
                "top_feature_share": round(float(shares.max() / shares.sum()), 4),
            },
            summary="permutation importance on the validation set",
        )
    if "fairness" in kinds:
        # A synthetic protected attribute: the bundled dataset has none.
        group = rng.choice(["under_40", "over_40"], size=len(xs))
        rates = [float(chosen[group == g].mean()) for g in ("under_40", "over_40")]
        ratio = min(rates) / max(rates)
        ci.add_evidence(
            ref,
            "fairness",
            passed=ratio >= 0.8,
            metrics={"demographic_parity_ratio": round(ratio, 4)},
            config={"sensitive": "age_band (synthetic)"},
            summary="selection rate by age band",
        )


def main() -> None:
    shutil.rmtree(HOME, ignore_errors=True)
    os.environ["STEWARD_HOME"] = str(HOME)
    os.environ["STEWARD_ACTOR"] = "dana.scientist"
    os.environ.pop("STEWARD_DATABASE_URL", None)
    os.environ.setdefault("COLUMNS", "120")

    console.print(Rule("1. A project: the use case, its owner, KPIs and people with roles"))
    steward_cli(
        "project", "create", "credit-risk",
        "--purpose", "Flag loan applications for manual review",
        "--objective", "Cut credit losses without slowing approvals",
        "--owner", "olga.owner",
        "--kpi", "loss rate: < 1.5%",
        "--kpi", "manual review share: < 20%",
        "--member", "dana.scientist:data_scientist",
        "--member", "dana.scientist:validator",
        "--member", "victor.validator:validator",
        "--member", "vera.validator:validator",
        "--member", "rita.risk:risk_officer",
        "--member", "olga.owner:business_owner",
        "--reason", "new use case approved by the credit committee",
    )  # fmt: skip

    console.print(Rule("2. Risk questionnaire under the default policy: the answers give the tier"))
    steward_cli("policy", "list")
    steward_cli(
        "--actor", "rita.risk", "project", "classify", "credit-risk",
        "--answer", "audience=internal", "--answer", "usage=monitored",
        "--answer", "lifetime=months", "--answer", "impact=moderate",
        "--answer", "affects_people=yes", "--answer", "affects_money=no",
        "--answer", "automation=reviewed",
        "--reason", "scheduled scoring, reviewed by underwriters",
    )  # fmt: skip

    console.print(Rule("3. Train two real models and register them from Python, lineage captured"))
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
    fitted = {}
    for number, (label, estimator) in enumerate(candidates.items(), start=1):
        estimator.fit(x_train, y_train)
        fitted[number] = estimator
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
            documentation=DOCUMENTATION,
            description=label,
            reason="training run",
        )
        console.print(f"registered [bold]{version.ref}[/bold] ({label}) auc={auc:.4f}")
    steward_cli(
        "version", "list", "--project", "credit-risk", "--tag", "team=risk", "--metric", "auc>=0.9"
    )

    console.print(Rule("4. The gate to staging: what tier 'monitored' asks for, and a refusal"))
    v1 = "credit-risk/scorer/1"
    steward_cli("gate", "status", v1, "--to", "staging")
    code = steward_cli("promote", v1, "--to", "staging", "--reason", "ready", check=False)
    expect(code == 6, f"a promotion without evidence must be blocked (exit {code})")

    console.print(Rule("5. Evidence arrives from CI (a separate identity from the validators)"))
    ci = steward.Client(actor="ci-bot")
    attach_evidence(ci, v1, fitted[1], x_valid, y_valid, seed=1)
    steward_cli(
        "--actor", "ci-bot", "evidence", "add", v1, "--kind", "data_quality", "--passed",
        "--metric", f"missing_share_max={float(valid.isna().mean().max())}",
        "--metric", f"duplicate_share={float(valid.duplicated().mean())}",
        "--summary", "no missing values, no duplicate rows, schema as registered",
    )  # fmt: skip
    steward_cli("evidence", "list", v1)

    console.print(Rule("6. Separation of duties: the author cannot approve her own model"))
    code = steward_cli(
        "signoff", "approve", v1, "--stage", "staging", "--role", "validator",
        "--reason", "looks good to me", check=False,
    )  # fmt: skip
    expect(code == 5, f"a self-approval must be refused (exit {code})")

    console.print(Rule("7. An independent validator signs; the gate is met and the version moves"))
    steward_cli("inbox", "--person", "victor.validator")
    steward_cli(
        "--actor", "victor.validator", "signoff", "approve", v1, "--stage", "staging",
        "--role", "validator", "--reason", "holdout metrics and fairness reviewed, VAL-12",
    )  # fmt: skip
    steward_cli("promote", v1, "--to", "staging", "--reason", "validated for pre-production")

    console.print(Rule("8. New evidence after an approval makes that approval stale"))
    steward_cli(
        "--actor", "victor.validator", "signoff", "approve", v1, "--stage", "production",
        "--role", "validator", "--reason", "fit for production",
    )  # fmt: skip
    attach_evidence(ci, v1, fitted[1], x_valid, y_valid, seed=2, kinds=("performance",))
    steward_cli("gate", "status", v1, "--to", "production")
    code = steward_cli("promote", v1, "--to", "production", "--reason", "go live", check=False)
    expect(code == 6, f"a stale approval must not promote (exit {code})")

    console.print(Rule("9. A second validator signs the current evidence; production"))
    steward_cli(
        "--actor", "vera.validator", "signoff", "approve", v1, "--stage", "production",
        "--role", "validator", "--reason", "re-run performance reviewed, VAL-13",
    )  # fmt: skip
    steward_cli("promote", v1, "--to", "production", "--reason", "approved by validation")
    time.sleep(0.05)
    moment_v1 = client.audit_log(newest_first=True, limit=1).items[0].ts
    time.sleep(0.05)

    console.print(Rule("10. The challenger is rejected, with its reason, and sent back"))
    v2 = "credit-risk/scorer/2"
    attach_evidence(ci, v2, fitted[2], x_valid, y_valid, seed=3)
    steward_cli("promote", v2, "--to", "staging", "--reason", "challenger", check=False)
    steward_cli(
        "--actor", "vera.validator", "signoff", "reject", v2, "--stage", "staging",
        "--role", "validator", "--reason", "no gain over v1 that justifies a less explainable model",
    )  # fmt: skip
    steward_cli("request", "list", "--status", "all")

    console.print(Rule("11. Governance KPIs: per team and overall, with a leaderboard"))
    steward_cli("governance", "kpis")

    console.print(
        Rule("12. What was in production at a given time, who put it there and who approved it")
    )
    steward_cli("model", "at", "credit-risk/scorer", "--time", moment_v1)
    steward_cli("model", "at", "credit-risk/scorer", "--time", "now")

    console.print(Rule("13. The audit trail: who did what, when, why — verified"))
    steward_cli("audit", "log", "--entity", "credit-risk/scorer/1", "--oldest-first")
    steward_cli("audit", "verify")
    steward_cli("audit", "export", "--output", str(HOME / "audit.jsonl"))

    console.print(
        Rule("14. Tamper with a copy of the database: verification names the broken link")
    )
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
