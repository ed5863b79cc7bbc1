"""The command line as a user meets it: flows, --json, --help and one-line errors."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import joblib
import pytest
import skops.io
from sklearn.datasets import load_iris
from sklearn.tree import DecisionTreeClassifier

from tests.e2e.conftest import Run
from tests.policy_samples import ADHOC_ANSWERS


@pytest.fixture
def files(tmp_path: Path) -> Path:
    data = load_iris(as_frame=True)
    model = DecisionTreeClassifier(random_state=0).fit(data.data, data.target)
    skops.io.dump(model, tmp_path / "tree.skops")
    joblib.dump(model, tmp_path / "tree.joblib")
    data.frame.to_parquet(tmp_path / "train.parquet")
    return tmp_path


def test_register_promote_and_audit_from_the_command_line(cli: Run, files: Path) -> None:
    assert (
        cli(
            "project", "create", "iris", "--kpi", "accuracy: > 0.9", "--member", "ben:validator"
        ).code
        == 0
    )
    reg = cli("version", "register", "iris/tree", "--artifact", str(files / "tree.skops"),
              "--training-data", str(files / "train.parquet"), "--target", "target",
              "--metric", "accuracy=0.97", "--tag", "team=bio", "--json")  # fmt: skip
    assert reg.code == 0, reg.err
    version = json.loads(reg.out)
    assert version["ref"] == "iris/tree/1"
    assert version["training_data"]["rows"] == 150
    assert [c["name"] for c in version["signature"]["columns"]][:1] == ["sepal length (cm)"]
    answers = [f"--answer={q}={a}" for q, a in ADHOC_ANSWERS.items()]
    assert cli("project", "classify", "iris", *answers, "--reason", "ad hoc").code == 0
    assert cli("version", "move", "iris/tree/1", "staging", "--reason", "looks good").code == 0
    assert cli("version", "move", "iris/tree/1", "production", "--reason", "approved").code == 0
    listed = json.loads(cli("version", "list", "--stage", "production", "--json").out)
    assert [v["ref"] for v in listed["items"]] == ["iris/tree/1"]
    at = json.loads(cli("model", "at", "iris/tree", "--time", "now", "--json").out)
    assert at["stages"]["production"][0]["reason"] == "approved"
    # A date means the end of that day in UTC, and the answer says so; a zone is honoured.
    today = datetime.now(UTC).date().isoformat()
    by_date = cli("model", "at", "iris/tree", "--time", today)
    assert f"at {today}T23:59:59.999999Z (the end of {today} in UTC" in by_date.out
    assert "iris/tree/1" in by_date.out
    zoned = json.loads(
        cli("model", "at", "iris/tree", "--time", "2000-01-01T10:00+02:00", "--json").out
    )
    assert (zoned["time"], zoned["stages"]) == ("2000-01-01T08:00:00.000000Z", {})
    assert zoned["time_read_as"] == "given in UTC+02:00, shown in UTC"
    verify = cli("audit", "verify", "--json")
    assert verify.code == 0 and json.loads(verify.out)["ok"] is True
    out = files / "trail.jsonl"
    assert cli("audit", "export", "--output", str(out)).code == 0
    actions = [json.loads(line)["action"] for line in out.read_text().splitlines()]
    assert actions[0] == "project.created" and actions[-1] == "version.stage_changed"
    download = files / "copy.skops"
    assert cli("version", "download", "iris/tree/1", "-o", str(download)).code == 0
    assert download.read_bytes() == (files / "tree.skops").read_bytes()


def test_tampered_trail_fails_verification_with_the_broken_link(cli: Run, tmp_path: Path) -> None:
    cli("project", "create", "a")
    cli("project", "create", "b")
    db = sqlite3.connect(tmp_path / "home" / "steward.db")
    db.execute("DROP TRIGGER audit_events_no_update")
    db.execute("UPDATE audit_events SET actor = 'mallory' WHERE seq = 1")
    db.commit()
    db.close()
    result = cli("audit", "verify")
    assert result.code == 7
    assert result.err.strip() == (
        "steward: error: audit chain broken at event 1: event 1 does not match its hash: "
        "it, or the link before it, was altered"
    )


def test_corrupted_artifact_is_refused_on_download(cli: Run, files: Path, tmp_path: Path) -> None:
    cli("project", "create", "iris")
    cli("version", "register", "iris/tree", "--artifact", str(files / "tree.skops"))
    blob = next(p for p in (tmp_path / "home" / "artifacts").rglob("*") if p.is_file())
    blob.write_bytes(blob.read_bytes()[:-10] + b"0123456789")
    result = cli("version", "download", "iris/tree/1", "-o", str(tmp_path / "x.skops"))
    assert result.code == 7 and "is corrupted" in result.err
    assert not (tmp_path / "x.skops").exists()


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["project", "show", "nope"], 3, "unknown project 'nope'"),
        (["project", "create", "bad name"], 2, "invalid project name 'bad name'"),
        (["project", "create", "p", "--member", "ana"], 2, "malformed member 'ana'"),
        (["version", "show", "p/m"], 2, "malformed version reference 'p/m'"),
        (["version", "show", "p/m/1"], 3, "unknown project 'p'"),
        (["version", "list", "--tag", "team"], 2, "malformed tag 'team': expected key=value"),
        (["version", "list", "--metric", "auc>>1"], 2, "malformed metric filter"),
        (["version", "list", "--stage", "prod"], 2, "unknown stage 'prod'"),
        (["version", "list", "--after", "xyz"], 2, "malformed page cursor"),
        (["model", "at", "p/m", "--time", "yesterday"], 2, "malformed time 'yesterday'"),
        (["audit", "log", "--entity", "a/b/c/d"], 2, "malformed entity"),
        # Numbers beyond 64 bits name nothing; the databases would raise an overflow.
        (["version", "show", "p/m/99999999999999999999999"], 2, "malformed version reference"),
        (["audit", "log", "--after", "99999999999999999999999"], 2, "malformed page cursor"),
    ],
)
def test_user_mistakes_get_one_line_and_a_specific_exit_code(
    cli: Run, args: list[str], code: int, message: str
) -> None:
    result = cli(*args)
    assert result.code == code
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0], result.err
    assert "Traceback" not in result.err


def test_a_home_that_is_a_file_or_a_database_that_is_not_sqlite_is_named(
    cli: Run, tmp_path: Path
) -> None:
    """Both used to end in a traceback; each is one line with the storage exit code."""
    in_the_way = tmp_path / "a-file"
    in_the_way.write_text("not a folder\n")
    home = cli("project", "list", env={"STEWARD_HOME": str(in_the_way)})
    assert home.code == 9, home.err
    assert home.err.strip() == (
        f"steward: error: cannot create the database in {str(in_the_way)!r}: a file is in the "
        "way, not a folder"
    )
    text = tmp_path / "notes.db"
    text.write_text("these are notes, not a database\n")
    url = f"sqlite:///{text}"
    database = cli("project", "list", env={"STEWARD_DATABASE_URL": url})
    assert database.code == 9, database.err
    assert (
        database.err.strip()
        == f"steward: error: cannot open the database {url}: file is not a database"
    )
    assert text.read_text() == "these are notes, not a database\n"  # left as it was


def test_duplicate_project_and_unreadable_pickle_are_refused(cli: Run, files: Path) -> None:
    assert cli("project", "create", "iris").code == 0
    dup = cli("project", "create", "iris")
    assert dup.code == 4 and dup.err.strip() == "steward: error: project 'iris' already exists"
    pickle = cli("version", "register", "iris/tree", "--artifact", str(files / "tree.joblib"))
    assert pickle.code == 2 and "--trust" in pickle.err
    assert json.loads(cli("model", "list", "--json").out)["items"] == []


def test_bad_config_file_is_named(cli: Run, tmp_path: Path) -> None:
    config = tmp_path / "steward.toml"
    config.write_text('[steward]\ncolour = "blue"\n')
    result = cli("project", "list", env={"STEWARD_CONFIG": str(config)})
    assert (
        result.code == 2 and "unknown setting 'colour'" in result.err and str(config) in result.err
    )


def test_old_schema_is_reported_and_upgrade_fixes_it(cli: Run, tmp_path: Path) -> None:
    from steward.adapters.sql import schema
    from steward.adapters.sql.engine import make_engines

    writer, reader = make_engines(f"sqlite:///{tmp_path / 'home' / 'steward.db'}")
    schema.upgrade(writer, "0001_registry")
    writer.dispose()
    reader.dispose()
    refused = cli("project", "list")
    assert refused.code == 8 and "run `steward db upgrade`" in refused.err
    assert cli("db", "upgrade").code == 0
    assert json.loads(cli("db", "status", "--json").out)["revision"] == schema.head_revision()
    assert cli("project", "list").code == 0


def test_paths_that_cannot_be_used_are_named_in_one_line(cli: Run, tmp_path: Path) -> None:
    """A folder where a file is written, a missing folder, a device as an artifact: each used
    to end in a traceback or read for ever."""
    key = tmp_path / "audit.key"
    assert cli("audit", "keygen", "-o", str(key)).code == 0
    assert cli("project", "create", "credit").code == 0
    folder = tmp_path / "a-folder"
    folder.mkdir()
    for target, problem in (
        (folder, "Is a directory"),
        (tmp_path / "missing" / "cp.json", "No such file or directory"),
    ):
        written = cli("audit", "checkpoint", "--key", str(key), "-o", str(target))
        assert written.code == 2, written.err
        assert written.err == f"steward: error: cannot use {target}: {problem}\n"
    endless = cli("version", "register", "credit/m", "--artifact", "/dev/zero", "--format", "skops")
    assert endless.code == 2
    assert endless.err == (
        "steward: error: cannot read the artifact /dev/zero: it is not a regular file\n"
    )


def test_db_upgrade_mistakes_are_one_line(cli: Run, tmp_path: Path) -> None:
    assert cli("project", "list").code == 0
    bogus = cli("db", "upgrade", "--revision", "bogus")
    assert (
        bogus.code == 2
        and bogus.err.count("\n") == 1
        and "unknown schema revision 'bogus'" in bogus.err
    )
    db = sqlite3.connect(tmp_path / "home" / "steward.db")
    db.execute("UPDATE alembic_version SET version_num = '9999_future'")
    db.commit()
    db.close()
    newer = cli("db", "upgrade")
    assert newer.code == 8 and "newer Steward" in newer.err and "Traceback" not in newer.err
    status = json.loads(cli("db", "status", "--json").out)
    assert status["state"] == "written by a newer Steward: upgrade Steward"


def test_signed_checkpoint_round_trip_on_the_command_line(cli: Run, tmp_path: Path) -> None:
    key = tmp_path / "audit.key"
    made = cli("audit", "keygen", "-o", str(key), "--json")
    assert made.code == 0 and oct(key.stat().st_mode & 0o777) == "0o600"
    public = json.loads(made.out)["public_key"]
    assert cli("audit", "keygen", "-o", str(key)).code == 2  # never overwrites a key
    cli("project", "create", "credit")
    assert cli("audit", "checkpoint", "--key", str(key), "-o", str(tmp_path / "cp.json")).code == 0
    ok = cli("audit", "verify", "--checkpoint", str(tmp_path / "cp.json"), "--public-key", public)
    assert ok.code == 0 and "1 signed checkpoint(s) still in the chain" in ok.out
    cp = json.loads((tmp_path / "cp.json").read_text())
    cp["hash"] = "0" * 64
    (tmp_path / "bad.json").write_text(json.dumps(cp))
    bad = cli("audit", "verify", "--checkpoint", str(tmp_path / "bad.json"))
    assert bad.code == 7 and "signature does not match" in bad.err and bad.err.count("\n") == 1
