"""Service settings: arguments over SHIKAKU_* variables over a TOML file over defaults;
placeholder secrets refused outside development, never echoed."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import pytest
from pydantic import SecretStr, ValidationError

from service_kit.settings import SECRET, ServiceSettings, is_placeholder
from vc_core.errors import ConfigError, StorageError

_NAMES = ("SHIKAKU_DATA_DIR", "SHIKAKU_DATABASE_URL", "SHIKAKU_ENVIRONMENT", "SHIKAKU_API_KEY")


class KeyedSettings(ServiceSettings):
    """A service with one secret, as the HTTP services will have."""

    api_key: Annotated[SecretStr | None, SECRET] = None
    greeting: str = "こんにちは"


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in _NAMES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))


def test_defaults_keep_data_in_the_user_data_dir_and_assume_production(tmp_path: Path) -> None:
    settings = ServiceSettings.load()
    assert settings.data_dir == tmp_path / "xdg" / "shikaku"
    assert settings.environment == "production"
    assert settings.database_url is None
    assert settings.database("verifier") == f"sqlite:///{tmp_path}/xdg/shikaku/verifier.sqlite3"
    assert (tmp_path / "xdg" / "shikaku").is_dir()


def test_arguments_beat_the_environment_which_beats_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    toml = tmp_path / "shikaku.toml"
    toml.write_text(
        f'data_dir = "{tmp_path / "from-file"}"\nenvironment = "development"\n'
        'greeting = "from the file"\n',
        encoding="utf-8",
    )
    monkeypatch.setenv("SHIKAKU_DATA_DIR", str(tmp_path / "from-env"))
    settings = KeyedSettings.load(toml_file=toml)
    assert settings.data_dir == tmp_path / "from-env"
    assert settings.environment == "development"
    assert settings.greeting == "from the file"
    settings = KeyedSettings.load(toml_file=toml, data_dir=tmp_path / "from-args")
    assert settings.data_dir == tmp_path / "from-args"
    # The file is read for this call only.
    assert KeyedSettings.load().greeting == "こんにちは"


def test_a_database_url_replaces_the_sqlite_files_and_is_never_shown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = "postgresql://board:hunter2-password@db.example.jp/shikaku"
    monkeypatch.setenv("SHIKAKU_DATABASE_URL", url)
    settings = ServiceSettings.load()
    assert settings.database("issuer") == settings.database("verifier") == url
    assert "hunter2" not in repr(settings)
    assert "hunter2" not in str(settings)


def test_a_database_url_shikaku_cannot_use_is_refused_at_load() -> None:
    with pytest.raises(StorageError) as caught:
        ServiceSettings.load(database_url="mysql://board:hunter2-password@db/shikaku")
    assert caught.value.code == "storage.url_invalid"
    assert "hunter2" not in str(caught.value)


@pytest.mark.parametrize(
    "content",
    [
        'environment = "staging"\n',
        'data_dir = "/tmp"\nno_such_setting = 1\n',
        "this is not toml\n",
    ],
)
def test_a_bad_settings_file_is_refused(tmp_path: Path, content: str) -> None:
    toml = tmp_path / "shikaku.toml"
    toml.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        ServiceSettings.load(toml_file=toml)
    assert caught.value.code == "config.invalid"


def test_an_unreadable_settings_file_is_refused(tmp_path: Path) -> None:
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes('greeting = "caf\xe9"\n'.encode("latin-1"))
    for path in (tmp_path / "missing.toml", tmp_path, latin1):
        with pytest.raises(ConfigError) as caught:
            KeyedSettings.load(toml_file=path)
        assert caught.value.code == "config.invalid"


@pytest.mark.parametrize(
    "secret",
    [
        "",
        "changeme",
        "secret",
        "k3y-0f-31-chars-is-one-too-shrt",
        "a" * 64,
        "ab" * 20,
        "change-me-" + secrets.token_urlsafe(32),
        "Example_Key_" + secrets.token_urlsafe(32),
        "my-super-secret-" + secrets.token_urlsafe(32),
    ],
)
def test_placeholder_secrets_are_refused_outside_development(secret: str) -> None:
    with pytest.raises(ConfigError) as caught:
        KeyedSettings.load(api_key=secret)
    assert caught.value.code == "config.secret_placeholder"
    assert caught.value.details == {"setting": "api_key"}
    assert len(secret) < 8 or secret not in str(caught.value)  # Never echoed.
    # In development the same value is accepted.
    assert KeyedSettings.load(api_key=secret, environment="development").api_key is not None


def test_a_random_secret_is_accepted_and_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    key = secrets.token_urlsafe(32)
    assert not is_placeholder(key)
    monkeypatch.setenv("SHIKAKU_API_KEY", key)
    settings = KeyedSettings.load()
    assert settings.api_key is not None
    assert settings.api_key.get_secret_value() == key
    assert key not in repr(settings)
    assert KeyedSettings.load(api_key=None).api_key is None  # Unset is the service's call.


def test_settings_are_frozen() -> None:
    settings = ServiceSettings.load()
    with pytest.raises(ValidationError):
        settings.environment = "development"
