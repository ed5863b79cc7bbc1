"""Settings: keyword arguments beat environment variables, which beat the config file.

Environment: STEWARD_HOME, STEWARD_DATABASE_URL, STEWARD_ARTIFACT_ROOT, STEWARD_ACTOR,
STEWARD_DEFAULT_POLICY (the policy a project is classified under unless one is named),
STEWARD_RETRAIN_HOOK (what a `retrain` monitoring action calls: an http(s) URL that gets the
alert as signed JSON, or a command that gets it on stdin), STEWARD_CONFIG (path of the TOML
config file; default: $STEWARD_HOME/config.toml).
"""

from __future__ import annotations

import getpass
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from steward.domain.errors import InvalidInputError
from steward.domain.principal import Principal

ENVIRONMENT = {
    "home": "STEWARD_HOME",
    "database_url": "STEWARD_DATABASE_URL",
    "artifact_root": "STEWARD_ARTIFACT_ROOT",
    "actor": "STEWARD_ACTOR",
    "default_policy": "STEWARD_DEFAULT_POLICY",
    "retrain_hook": "STEWARD_RETRAIN_HOOK",
}
CONFIG_ENV = "STEWARD_CONFIG"


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    home: Path
    database_url: str | None = None
    artifact_root: Path | None = None
    actor: str | None = None
    default_policy: str = "default"
    retrain_hook: str | None = None

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'steward.db'}"

    @property
    def resolved_artifact_root(self) -> Path:
        return self.artifact_root or self.home / "artifacts"

    @property
    def resolved_principal(self) -> Principal:
        """Who acts in process: the declared actor, else the operating system's login."""
        if self.actor:
            return Principal(self.actor, "declared")
        try:
            return Principal(getpass.getuser(), "os_login")
        except (KeyError, OSError):
            return Principal("unknown", "declared")


def default_home() -> Path:
    return Path.home() / ".steward"


def _read_file(path: Path) -> dict[str, object]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInputError(f"{path}: not valid TOML: {exc}") from None
    section = data.get("steward", data)
    if not isinstance(section, dict):
        raise InvalidInputError(f"{path}: [steward] must be a table")
    unknown = sorted(set(section) - set(ENVIRONMENT))
    if unknown:
        raise InvalidInputError(
            f"{path}: unknown setting {unknown[0]!r}; known: {', '.join(sorted(ENVIRONMENT))}"
        )
    return dict(section)


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    env = os.environ if environ is None else environ
    given = {k: v for k, v in overrides.items() if v is not None}
    chosen_home = given.get("home") or env.get("STEWARD_HOME")
    values: dict[str, object] = {}
    if env.get(CONFIG_ENV):
        config_path = Path(env[CONFIG_ENV]).expanduser()
        if not config_path.is_file():
            raise InvalidInputError(f"{CONFIG_ENV} names {config_path}, which does not exist")
        values.update(_read_file(config_path))
    else:
        home = Path(str(chosen_home)).expanduser() if chosen_home else default_home()
        config_path = home / "config.toml"
        if config_path.is_file():
            values.update(_read_file(config_path))
            if "home" in values:
                raise InvalidInputError(
                    f"{config_path}: 'home' cannot be set in the home's own config file; "
                    f"use {CONFIG_ENV} to keep the config elsewhere"
                )
    values.update({field: env[name] for field, name in ENVIRONMENT.items() if env.get(name)})
    values.update(given)
    values["home"] = Path(str(values.get("home") or default_home())).expanduser()
    try:
        return Settings.model_validate(values)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"])
        raise InvalidInputError(f"setting {field!r}: {first['msg']}") from None
