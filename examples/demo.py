"""Steward end to end on the embedded default (SQLite): classify, train, register, gather
evidence, sign off, promote through the gates, measure, audit.

Run with `make demo`. It uses its own home (.steward-demo, reset on every run) so it never
touches your registry.
"""

from __future__ import annotations

import json
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


def holdout_file(valid: pd.DataFrame, path: Path, *, seed: int) -> Path:
    """The validation split as CI would hand it to `steward check run`: features, target and a
    synthetic protected attribute (the bundled dataset has none). A bootstrap resample stands in
    for a fresh holdout, so each seed gives new numbers."""
    rng = np.random.default_rng(seed)
    rows = rng.integers(0, len(valid), len(valid)) if seed else np.arange(len(valid))
    holdout = valid.iloc[rows].reset_index(drop=True)
    holdout["age_band"] = rng.choice(["under_40", "over_40"], size=len(holdout))
    holdout.to_parquet(path, index=False)
    return path


HOOK_SECRET_ENV = "STEWARD_DEMO_HOOK_SECRET"


def monitoring_policy(url: str) -> Path:
    """The default policy with the operations team's webhook on every monitoring rule, and a
    rule that watches the approval-rate KPI. Edited as text to keep the file's comments."""
    text = (Path(steward.__file__).parent / "policies" / "default.yaml").read_text()
    text = text.replace(
        "routes:\n  audit_log: {kind: log}",
        "routes:\n  audit_log: {kind: log}\n"
        f"  ops_webhook: {{kind: webhook, url: '{url}', secret_env: {HOOK_SECRET_ENV}}}",
    )
    text = text.replace("routes: [audit_log]}", "routes: [audit_log, ops_webhook]}")
    kpi_rule = (
        '      - {signal: kpi.approval_rate.out_of_control, op: ">=", value: 1, action: notify, '
        "routes: [audit_log, ops_webhook]}\n"
    )
    marker = "  operational:\n    schedule: hourly\n"
    text = text.replace(marker, kpi_rule + marker)
    path = HOME / "policy-with-webhook.yaml"
    path.write_text(text)
    return path


def production_weeks(valid: pd.DataFrame, model: object, weeks: int = 4) -> list[Path]:
    """Four weeks of production traffic, one file per week as a nightly job would collect it:
    resampled validation rows with the model's score, a request id and a time. From the third
    week the upstream feed sends 'worst radius' in different units: drift appears mid-way."""
    rng = np.random.default_rng(42)
    start = pd.Timestamp("2026-10-05", tz="UTC")  # a Monday: weekly windows start on Mondays
    files = []
    for week in range(weeks):
        rows = valid.iloc[rng.integers(0, len(valid), 7 * 400)].reset_index(drop=True)
        if week >= 2:
            rows["worst radius"] = rows["worst radius"] * 1.35
            rows["mean texture"] = rows["mean texture"] + 3.0
        features = rows.drop(columns="target")
        rows["score"] = model.predict_proba(features)[:, 1]  # type: ignore[attr-defined]
        seconds = rng.integers(0, 7 * 86_400, len(rows))
        rows["ts"] = start + pd.Timedelta(weeks=week) + pd.to_timedelta(seconds, unit="s")
        rows["request_id"] = [f"w{week}-{i:05d}" for i in range(len(rows))]
        path = HOME / f"production-week-{week + 1}.parquet"
        rows.drop(columns="target").to_parquet(path, index=False)
        rows[["request_id", "target"]].to_csv(HOME / f"labels-week-{week + 1}.csv", index=False)
        files.append(path)
    return files


def ingest_weeks(valid: pd.DataFrame, model: object, prod: str, env: dict[str, str]) -> None:
    """The nightly job: each week's rows, then the labels that arrived for it."""
    # The weeks are replayed history, older than the promotion a moment ago: a backfill,
    # which Steward refuses unless it is admitted explicitly.
    weeks = production_weeks(valid, model)
    for week, path in enumerate(weeks, start=1):
        console.print(f"[bold]week {week}[/bold]: the nightly job ingests what production saw")
        steward_cli(
            "monitor", "ingest", prod, str(path), "--time-column", "ts",
            "--prediction-column", "score", "--id-column", "request_id", "--allow-backfill",
            env=env,
        )  # fmt: skip
        if week == 1:
            console.print("the job runs twice by mistake: nothing is counted again")
            steward_cli(
                "monitor", "ingest", prod, str(path), "--time-column", "ts",
                "--prediction-column", "score", "--id-column", "request_id",
                "--allow-backfill", env=env,
            )  # fmt: skip
        if week <= 3:
            steward_cli(
                "monitor", "labels", prod, str(HOME / f"labels-week-{week}.csv"),
                "--id-column", "request_id", "--target", "target", env=env,
            )  # fmt: skip


def monitor_production(valid: pd.DataFrame, client: steward.Client) -> None:
    console.print(Rule("14. Production monitoring: weeks of traffic, drift mid-way, alert, review"))
    secret = "demo-signing-secret"
    os.environ[HOOK_SECRET_ENV] = secret
    received = HOME / "webhook-received.jsonl"
    # The operations team's endpoint, played by `steward webhook listen`: it checks signatures
    # and is down for the first attempt, so the retry shows.
    console.print(
        f"[bold cyan]$ steward webhook listen --secret-env {HOOK_SECRET_ENV} --fail-first 1 "
        f"--out {received.name} &[/bold cyan]"
    )
    listener = subprocess.Popen(
        [sys.executable, "-m", "steward", "webhook", "listen", "--secret-env", HOOK_SECRET_ENV,
         "--fail-first", "1", "--out", str(received)],
        stdout=subprocess.PIPE, text=True, env=os.environ.copy(),
    )  # fmt: skip
    try:
        assert listener.stdout is not None
        url = listener.stdout.readline().strip()
        if not url.startswith("http://127.0.0.1:"):
            raise SystemExit("demo failed: the webhook listener did not start")
        steward_cli(
            "--actor", "rita.risk", "policy", "apply", str(monitoring_policy(url)),
            "--reason", "route monitoring alerts to the operations webhook",
        )  # fmt: skip
        prod = "credit-risk/scorer@production"
        steward_cli("monitor", "reference", prod, str(HOME / "validation.parquet"),
                    "--target", "target")  # fmt: skip
        model = client.load(client.deployment(prod))
        ops_env = {**os.environ, "STEWARD_ACTOR": "otto.ops"}
        ingest_weeks(valid, model, prod, ops_env)
        rng = np.random.default_rng(2)  # a seed whose first 25 days stay in control
        kpi = HOME / "approval-rate.csv"
        days = pd.date_range("2026-10-05", periods=28, freq="D", tz="UTC")
        rates = 0.62 + rng.normal(0, 0.01, len(days))
        rates[-3:] -= 0.08  # the business sees fewer approvals at the end
        pd.DataFrame({"at": [d.isoformat() for d in days], "value": rates}).to_csv(kpi, index=False)
        steward_cli("monitor", "kpi", prod, "approval_rate", "--file", str(kpi), env=ops_env)
        steward_cli("monitor", "deliver", "--wait", "15", env=ops_env)
    finally:
        listener.terminate()
        listener.wait(timeout=30)
    lines = received.read_text(encoding="utf-8").splitlines() if received.exists() else []
    entries = [json.loads(line) for line in lines]
    signed = [e for e in entries if e["status"] == 200 and e["signature_valid"]]
    console.print(
        f"the operations webhook received {len(entries)} request(s): "
        f"{len(signed)} delivered and correctly signed, "
        f"{len({e['delivery'] for e in signed})} distinct alert deliveries"
    )
    if not signed:
        raise SystemExit("demo failed: no alert reached the webhook")
    steward_cli("monitor", "status")
    steward_cli("monitor", "alerts")
    steward_cli("monitor", "reviews")
    steward_cli("audit", "log", "--action", "alert.raised", "--oldest-first")
    steward_cli("audit", "log", "--action", "review.opened")
    steward_cli("monitor", "report", prod, "-o", str(HOME / "monitoring.html"))
    reviews = client.reviews()
    if not reviews:
        raise SystemExit("demo failed: the drift alert opened no review")
    steward_cli(
        "--actor", "otto.ops", "monitor", "close-review", str(reviews[0].id), "--reason",
        "upstream feed switched units; fixed at the source, retraining not needed",
    )  # fmt: skip


def main() -> None:
    shutil.rmtree(HOME, ignore_errors=True)
    os.environ["STEWARD_HOME"] = str(HOME)
    os.environ["STEWARD_ACTOR"] = "dana.scientist"
    os.environ.pop("STEWARD_DATABASE_URL", None)
    os.environ.setdefault("COLUMNS", "120")

    set_up_project()
    client, valid = register_candidates()
    holdout, ci_env, moment_v1 = promote_champion(client, valid)
    reject_challenger(holdout, ci_env)
    show_history(moment_v1)
    monitor_production(valid, client)
    audit_and_tamper(client)


def set_up_project() -> None:
    console.print(Rule("1. The organisation's first admin, and its risk officer"))
    # The first admin is whoever the operating system says runs this: a name typed after
    # --actor (or in STEWARD_ACTOR) cannot make itself admin.
    login_env = {k: v for k, v in os.environ.items() if k != "STEWARD_ACTOR"}
    steward_cli("org", "init", "--reason", "set up the demo's store", env=login_env)
    steward_cli(
        "org", "grant", "rita.risk", "risk_officer", "--reason", "head of model risk",
        env=login_env,
    )  # fmt: skip
    console.print(Rule("2. A project: the use case, its owner, KPIs and people with roles"))
    steward_cli(
        "--actor", "olga.owner", "project", "create", "credit-risk",
        "--purpose", "Flag loan applications for manual review",
        "--objective", "Cut credit losses without slowing approvals",
        "--owner", "olga.owner",
        "--kpi", "loss rate: < 1.5%",
        "--kpi", "manual review share: < 20%",
        "--member", "dana.scientist:data_scientist",
        "--member", "ci-bot:ml_engineer",
        "--member", "otto.ops:operations",
        "--member", "victor.validator:validator",
        "--member", "vera.validator:validator",
        "--reason", "new use case approved by the credit committee",
    )  # fmt: skip
    # Roles that sign (the validators; the data scientist signs peer reviews) wait for a
    # second person: the risk officer approves each, which nobody can do for themselves.
    steward_cli("change", "list", "--project", "credit-risk")
    with steward.Client(actor="rita.risk") as rita:
        waiting = [c.id for c in rita.changes("pending", "credit-risk")]
    for change_id in waiting:
        steward_cli(
            "--actor", "rita.risk", "change", "approve", str(change_id),
            "--reason", "staffing agreed with the credit committee",
        )  # fmt: skip
    # Permissions bind everyone: a data scientist cannot make herself a validator.
    code = steward_cli(
        "project", "member", "add", "credit-risk", "dana.scientist", "--role", "validator",
        check=False,
    )  # fmt: skip
    expect(code == 5, f"granting oneself a role must be refused (exit {code})")

    console.print(Rule("3. Risk questionnaire under the default policy: the answers give the tier"))
    steward_cli("policy", "list")
    steward_cli(
        "--actor", "rita.risk", "project", "classify", "credit-risk",
        "--answer", "audience=internal", "--answer", "usage=monitored",
        "--answer", "lifetime=months", "--answer", "impact=moderate",
        "--answer", "affects_people=yes", "--answer", "affects_money=no",
        "--answer", "automation=reviewed",
        "--reason", "scheduled scoring, reviewed by underwriters",
    )  # fmt: skip


def register_candidates() -> tuple[steward.Client, pd.DataFrame]:
    console.print(Rule("4. Train two real models and register them from Python, lineage captured"))
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
    valid.to_parquet(HOME / "validation.parquet", index=False)
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
            documentation=DOCUMENTATION,
            description=label,
            reason="training run",
        )
        console.print(f"registered [bold]{version.ref}[/bold] ({label}) auc={auc:.4f}")
    steward_cli(
        "version", "list", "--project", "credit-risk", "--tag", "team=risk", "--metric", "auc>=0.9"
    )
    return client, valid


def promote_champion(
    client: steward.Client, valid: pd.DataFrame
) -> tuple[Path, dict[str, str], str]:
    console.print(Rule("5. The gate to staging: what tier 'monitored' asks for, and a refusal"))
    v1 = "credit-risk/scorer/1"
    steward_cli("gate", "status", v1, "--to", "staging")
    code = steward_cli("promote", v1, "--to", "staging", "--reason", "ready", check=False)
    expect(code == 6, f"a promotion without evidence must be blocked (exit {code})")

    console.print(Rule("6. CI runs the checks the gate asks for; each result becomes evidence"))
    holdout = holdout_file(valid, HOME / "holdout.parquet", seed=0)
    ci_env = {**os.environ, "STEWARD_ACTOR": "ci-bot"}  # CI is not one of the validators
    steward_cli("check", "plan", v1, "--stage", "staging")
    steward_cli(
        "check", "run", v1, "--data", str(holdout), "--target", "target",
        "--sensitive", "age_band", "--stage", "staging",
        "--report", str(HOME / "v1-staging-checks.html"), env=ci_env,
    )  # fmt: skip
    steward_cli("evidence", "list", v1)
    steward_cli("gate", "status", v1, "--to", "staging")

    console.print(
        Rule("7. Separation of duties: the author, not a validator, cannot approve her own model")
    )
    code = steward_cli(
        "signoff", "approve", v1, "--stage", "staging", "--role", "validator",
        "--reason", "looks good to me", check=False,
    )  # fmt: skip
    expect(code == 5, f"a self-approval must be refused (exit {code})")

    console.print(Rule("8. An independent validator signs; the gate is met and the version moves"))
    steward_cli("inbox", "--person", "victor.validator")
    steward_cli(
        "--actor", "victor.validator", "signoff", "approve", v1, "--stage", "staging",
        "--role", "validator", "--reason", "holdout metrics and fairness reviewed, VAL-12",
    )  # fmt: skip
    steward_cli("promote", v1, "--to", "staging", "--reason", "validated for pre-production")

    console.print(Rule("9. New evidence after an approval makes that approval stale"))
    steward_cli(
        "--actor", "victor.validator", "signoff", "approve", v1, "--stage", "production",
        "--role", "validator", "--reason", "fit for production",
    )  # fmt: skip
    fresh = holdout_file(valid, HOME / "holdout-2.parquet", seed=2)
    steward_cli(
        "check", "run", v1, "--data", str(fresh), "--target", "target", "--sensitive",
        "age_band", "--stage", "production", "--check", "performance",
        "--report", str(HOME / "v1-rerun-checks.html"), env=ci_env,
    )  # fmt: skip
    steward_cli("gate", "status", v1, "--to", "production")
    code = steward_cli("promote", v1, "--to", "production", "--reason", "go live", check=False)
    expect(code == 6, f"a stale approval must not promote (exit {code})")

    console.print(Rule("10. A second validator signs the current evidence; production"))
    steward_cli(
        "--actor", "vera.validator", "signoff", "approve", v1, "--stage", "production",
        "--role", "validator", "--reason", "re-run performance reviewed, VAL-13",
    )  # fmt: skip
    steward_cli("promote", v1, "--to", "production", "--reason", "approved by validation")
    time.sleep(0.05)
    moment_v1 = client.audit_log(newest_first=True, limit=1).items[0].ts
    time.sleep(0.05)
    return holdout, ci_env, moment_v1


def reject_challenger(holdout: Path, ci_env: dict[str, str]) -> None:
    console.print(Rule("11. The challenger is rejected, with its reason, and sent back"))
    v2 = "credit-risk/scorer/2"
    steward_cli(
        "check", "run", v2, "--data", str(holdout), "--target", "target", "--sensitive",
        "age_band", "--stage", "staging", "--check", "data_quality", "--check", "performance",
        "--check", "fairness", "--check", "explainability", "--check", "champion_challenger",
        "--report", str(HOME / "v2-challenger-checks.html"), env=ci_env,
    )  # fmt: skip
    steward_cli("promote", v2, "--to", "staging", "--reason", "challenger", check=False)
    steward_cli(
        "--actor", "vera.validator", "signoff", "reject", v2, "--stage", "staging",
        "--role", "validator", "--reason", "no gain over v1 that justifies a less explainable model",
    )  # fmt: skip
    steward_cli("request", "list", "--status", "all")


def show_history(moment_v1: str) -> None:
    console.print(Rule("12. Governance KPIs: per team and overall, with a leaderboard"))
    steward_cli("governance", "kpis")

    console.print(
        Rule("13. What was in production at a given time, who put it there and who approved it")
    )
    steward_cli("model", "at", "credit-risk/scorer", "--time", moment_v1)
    steward_cli("model", "at", "credit-risk/scorer", "--time", "now")


def audit_and_tamper(client: steward.Client) -> None:
    console.print(Rule("15. The audit trail: who did what, when, why — verified"))
    steward_cli("audit", "log", "--entity", "credit-risk/scorer/1", "--oldest-first")
    steward_cli("audit", "verify")
    steward_cli("audit", "export", "--output", str(HOME / "audit.jsonl"))

    console.print(
        Rule("16. Tamper with a copy of the database: verification names the broken link")
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
