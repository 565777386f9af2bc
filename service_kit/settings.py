"""The settings every shikaku service shares: its data directory, its database, its environment.

Values come from, highest first: the arguments given to :meth:`ServiceSettings.load`,
environment variables prefixed ``SHIKAKU_`` (``SHIKAKU_DATA_DIR``, ``SHIKAKU_DATABASE_URL``,
``SHIKAKU_ENVIRONMENT``), an optional TOML file of the same names in lower case, and the
defaults: data in ``$XDG_DATA_HOME/shikaku`` (``~/.local/share/shikaku``), one SQLite file per
role database there, and the ``production`` environment, so that forgetting to say where a
service runs never relaxes a rule.

Secrets. A service's settings mark each secret field ``Annotated[SecretStr | None, SECRET]``.
Outside ``development``, a secret that is set must not be a placeholder (FastAPI full-stack
template, ``core/config.py``): empty, shorter than 32 characters, made of fewer than 8
distinct characters, or containing a word such as ``changeme``, ``secret`` or ``example``
refuses to load with ``config.secret_placeholder``. Messages name the setting, never its value.

Settings are frozen and built once, where a service starts (ARCHITECTURE.md, "An HTTP app is
``create_app(settings)``"); nothing in shikaku reads them at import time.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from service_kit.db import check_url, sqlite_url
from vc_core.errors import ConfigError, InputError
from vc_core.jsonio import read_toml

__all__ = [
    "SECRET",
    "Environment",
    "Secret",
    "ServiceSettings",
    "default_data_dir",
    "is_placeholder",
]

Environment = Literal["development", "production"]

MIN_SECRET_LENGTH: Final = 32
_MIN_DISTINCT: Final = 8
# Words that mark a value as written to be replaced, compared without case or separators.
_PLACEHOLDER_WORDS: Final = (
    "changeme",
    "replaceme",
    "placeholder",
    "secret",
    "password",
    "example",
    "insecure",
    "default",
    "dummy",
    "todo",
    "fixme",
)
_SEPARATORS = re.compile(r"[\s._-]+")
# The values of the TOML file :meth:`ServiceSettings.load` read, for the source that serves them.
_FILE_VALUES: ContextVar[Mapping[str, Any] | None] = ContextVar(
    "shikaku_settings_file", default=None
)


@dataclass(frozen=True)
class Secret:
    """Marks a settings field as a secret: ``Annotated[SecretStr | None, SECRET]``."""


#: The marker of secret settings (see the module).
SECRET: Final = Secret()


def default_data_dir() -> Path:
    """``$XDG_DATA_HOME/shikaku``, or ``~/.local/share/shikaku``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "shikaku"


def is_placeholder(value: str) -> bool:
    """True when ``value`` cannot be a real secret (see the module)."""
    folded = _SEPARATORS.sub("", value.lower())
    return (
        len(value) < MIN_SECRET_LENGTH
        or len(set(value)) < _MIN_DISTINCT
        or any(word in folded for word in _PLACEHOLDER_WORDS)
    )


class ServiceSettings(BaseSettings):
    """What every service needs to start; a service's own settings subclass it."""

    model_config = SettingsConfigDict(env_prefix="SHIKAKU_", frozen=True, extra="forbid")

    data_dir: Path = Field(default_factory=default_data_dir)
    #: None: one SQLite file per role database in ``data_dir`` (see :meth:`database`).
    database_url: SecretStr | None = None
    environment: Environment = "production"

    @field_validator("database_url")
    @classmethod
    def _url_parses(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None:
            check_url(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _no_placeholder_secrets(self) -> Self:
        if self.environment == "development":
            return self
        for name, field in type(self).model_fields.items():
            if not any(isinstance(item, Secret) for item in field.metadata):
                continue
            value = getattr(self, name)
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if text is not None and (not isinstance(text, str) or is_placeholder(text)):
                raise ConfigError(
                    "config.secret_placeholder",
                    f"{name} is a placeholder or shorter than {MIN_SECRET_LENGTH} characters; "
                    f"set a random secret (environment {self.environment})",
                    setting=name,
                )
        return self

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Arguments, then SHIKAKU_* variables, then the TOML file; no .env files.
        return (
            init_settings,
            env_settings,
            InitSettingsSource(settings_cls, dict(_FILE_VALUES.get() or {})),
        )

    @classmethod
    def load(cls, *, toml_file: Path | None = None, **values: Any) -> Self:
        """The settings from ``values``, the environment and ``toml_file``; ``config.invalid``."""
        with _file_values({} if toml_file is None else _read_toml(toml_file)):
            try:
                return cls(**values)
            except ValidationError as exc:
                problems = "; ".join(
                    f"{'.'.join(map(str, error['loc'])) or 'settings'}: {error['msg']}"
                    for error in exc.errors(include_input=False, include_url=False)
                )
                # Not "from exc": pydantic's error would carry the values, secrets among them.
                raise ConfigError("config.invalid", problems) from None

    def database(self, name: str) -> str:
        """The URL of the role database ``name``: ``database_url``, or its SQLite file."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return sqlite_url(self.data_dir, name)


@contextmanager
def _file_values(values: Mapping[str, Any]) -> Iterator[None]:
    token = _FILE_VALUES.set(values)
    try:
        yield
    finally:
        _FILE_VALUES.reset(token)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return read_toml(path)
    except InputError as exc:
        raise ConfigError("config.invalid", f"cannot read {path} ({exc})") from exc
