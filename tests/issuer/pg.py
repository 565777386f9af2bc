"""A PostgreSQL for the tests: from the environment, on localhost, or installed here.

Order (issue 5): ``$SHIKAKU_TEST_POSTGRES_URL``; else the server on 127.0.0.1:5432 when it
answers (database ``test``, user ``postgres``); else, as root on Debian, apt-get installs
PostgreSQL and starts it; else the tests that need it skip, saying why. Each test gets its own
schema (``search_path``), so parallel sessions and test runs never see each other's tables.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

__all__ = ["postgres_server", "temporary_schema"]

_LOCAL_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_INSTALLED_URL = "postgresql+psycopg://postgres:shikaku-tests@127.0.0.1:5432/postgres"


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


def _install_and_start() -> str | None:
    """apt-get install PostgreSQL and start its cluster; None on success, else why not."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "not root with apt-get, so PostgreSQL cannot be installed"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    steps = [
        ["apt-get", "update", "-qq"],
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", "postgresql"],
    ]
    for step in steps:
        done = subprocess.run(
            step, env=env, capture_output=True, text=True, timeout=900, check=False
        )
        if done.returncode:
            return f"{' '.join(step)} failed: {done.stderr.strip()[-200:]}"
    versions = sorted(Path("/etc/postgresql").glob("*/main"))
    if not versions:
        return "PostgreSQL installed but no cluster found in /etc/postgresql"
    version = versions[-1].parent.name
    commands = [
        ["pg_ctlcluster", version, "main", "start"],
        [
            "runuser", "-u", "postgres", "--", "psql", "-c",
            "ALTER USER postgres PASSWORD 'shikaku-tests'",
        ],
    ]  # fmt: skip
    for command in commands:
        done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        # The package's post-install script may have started the cluster already.
        if done.returncode and "already running" not in done.stderr:
            return f"{' '.join(command[:3])} failed: {done.stderr.strip()[-200:]}"
    return None


@cache
def postgres_server() -> tuple[str | None, str]:
    """``(url, "")`` of a usable server, or ``(None, reason)``; found once per session."""
    env_url = os.environ.get("SHIKAKU_TEST_POSTGRES_URL")
    if env_url:
        problem = _usable(env_url)
        return (
            (env_url, "") if problem is None else (None, f"$SHIKAKU_TEST_POSTGRES_URL: {problem}")
        )
    if _answers("127.0.0.1", 5432):
        problem = _usable(_LOCAL_URL)
        if problem is None:
            return _LOCAL_URL, ""
        if _usable(_INSTALLED_URL) is None:
            return _INSTALLED_URL, ""
        return None, f"127.0.0.1:5432 answers but refuses postgres@test: {problem}"
    problem = _install_and_start()
    if problem is not None:
        return None, f"no PostgreSQL on 127.0.0.1:5432, and {problem}"
    problem = _usable(_INSTALLED_URL)
    return (_INSTALLED_URL, "") if problem is None else (None, f"installed PostgreSQL: {problem}")


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
