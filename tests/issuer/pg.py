"""A PostgreSQL for the tests: from the environment, on localhost, or installed here.

Order (issue 5): ``$SHIKAKU_TEST_POSTGRES_URL``; else the server on 127.0.0.1:5432 when it
answers (database ``test``, user ``postgres``); else the database ``scripts/postgres.sh`` finds
or makes (as root on Debian it installs PostgreSQL with apt-get, starts it and makes a
``shikaku`` role and database: the same way an operator gets one); else the tests that need it
skip, saying why. Each test gets its own schema (``search_path``), so parallel sessions and
test runs never see each other's tables.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

__all__ = ["postgres_server", "temporary_schema"]

_LOCAL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "postgres.sh"


def _answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1.0):
            return True
    except OSError:
        return False


def _usable(url: str) -> str | None:
    """None when ``url`` accepts a query, else why not."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # Any failure means "not usable"; the reason is kept.
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        engine.dispose()
    return None


def _from_script() -> tuple[str | None, str]:
    """The URL ``scripts/postgres.sh`` prints: the one way shikaku installs and starts
    PostgreSQL and makes its database, for operators and tests alike; else why not."""
    # Never the operator's own database, should the tests run where one is configured.
    env = {name: value for name, value in os.environ.items() if name != "SHIKAKU_DATABASE_URL"}
    try:
        done = subprocess.run(
            [str(_SCRIPT)], env=env, capture_output=True, text=True, timeout=900, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"scripts/postgres.sh did not run: {exc}"
    if done.returncode:
        return None, " ".join(done.stderr.split())[-300:] or f"exit {done.returncode}"
    return done.stdout.strip(), ""


@cache
def postgres_server() -> tuple[str | None, str]:
    """``(url, "")`` of a usable server, or ``(None, reason)``; found once per session."""
    env_url = os.environ.get("SHIKAKU_TEST_POSTGRES_URL")
    if env_url:
        problem = _usable(env_url)
        return (
            (env_url, "") if problem is None else (None, f"$SHIKAKU_TEST_POSTGRES_URL: {problem}")
        )
    if _answers("127.0.0.1", 5432) and _usable(_LOCAL_URL) is None:
        return _LOCAL_URL, ""
    url, problem = _from_script()
    if url is None:
        return None, f"no PostgreSQL answers postgres@test on 127.0.0.1:5432, and {problem}"
    problem = _usable(url)
    return (url, "") if problem is None else (None, f"scripts/postgres.sh's database: {problem}")


@contextlib.contextmanager
def temporary_schema(server_url: str) -> Iterator[str]:
    """A fresh schema on the server; yields a URL whose ``search_path`` is that schema."""
    schema = f"shikaku_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(server_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
