"""Settings precedence: arguments, then STEWARD_* variables, then the TOML config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from steward import InvalidInputError
from steward.config import load_settings


def test_defaults_live_under_the_home(tmp_path: Path) -> None:
    settings = load_settings({"STEWARD_HOME": str(tmp_path)})
    assert settings.resolved_database_url == f"sqlite:///{tmp_path / 'steward.db'}"
    assert settings.resolved_artifact_root == tmp_path / "artifacts"


def test_arguments_beat_environment_which_beats_the_file(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text(
        '[steward]\nactor = "file"\ndatabase_url = "sqlite:///f.db"\n'
    )
    env = {"STEWARD_HOME": str(tmp_path), "STEWARD_ACTOR": "env"}
    settings = load_settings(env)
    assert (settings.actor, settings.database_url) == ("env", "sqlite:///f.db")
    assert load_settings(env, actor="arg").actor == "arg"


def test_config_file_elsewhere_may_name_the_home(tmp_path: Path) -> None:
    config = tmp_path / "team.toml"
    config.write_text(f'home = "{tmp_path / "shared"}"\nactor = "ci"\n')
    settings = load_settings({"STEWARD_CONFIG": str(config)})
    assert settings.home == tmp_path / "shared" and settings.actor == "ci"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('colour = "blue"\n', "unknown setting 'colour'"),
        ("actor = \n", "not valid TOML"),
        ('home = "/elsewhere"\n', "'home' cannot be set in the home's own config file"),
        ("actor = 3\n", "setting 'actor'"),
    ],
)
def test_bad_config_files_are_named_with_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "config.toml").write_text(text)
    with pytest.raises(InvalidInputError, match=message) as info:
        load_settings({"STEWARD_HOME": str(tmp_path)})
    assert "\n" not in str(info.value)


def test_missing_explicit_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInputError, match="does not exist"):
        load_settings({"STEWARD_CONFIG": str(tmp_path / "nope.toml")})
