"""Every case of the hostile-input corpus (cases.toml) through the real ``shikaku`` CLI.

A case passes when the command exits with the documented status, its refusal names the
expected code in what it prints, and no Python traceback appears. The in-process runs use
typer's ``CliRunner`` on :data:`cli.app.app`; cases marked ``subprocess`` run again as a
real process, so that what reaches a terminal's standard error is checked too.
"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli.app import app
from jpki_bridge.emulator import CardState
from jpki_bridge.pki import load_test_pki, make_test_pki
from tests.hostile.generate import GENERATORS, World
from vc_core.keys import generate_key

HERE = Path(__file__).resolve().parent
CORPUS = HERE / "corpus"
CASES: list[dict[str, Any]] = tomllib.loads((HERE / "cases.toml").read_text("utf-8"))["case"]
SHIKAKU = [sys.executable, "-c", "from cli.app import main; main()"]
TRACEBACK = "Traceback (most recent call last)"


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str

    @property
    def text(self) -> str:
        return self.stdout + self.stderr


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    folder = tmp_path_factory.mktemp("world")
    key = folder / "board.jwk"
    generate_key("p256").save(key)
    pki = folder / "pki"
    make_test_pki().save(pki)
    emulator = folder / "card"
    CardState.provision(emulator, load_test_pki(pki))
    return World(key=key, emulator=emulator, pki=pki)


def _materialize(case: dict[str, Any], folder: Path, world: World, name: str) -> Path:
    if name in GENERATORS:
        made = folder / "made"
        made.mkdir(exist_ok=True)
        return GENERATORS[name](made, world)
    path = CORPUS / name
    assert path.is_file(), f"{case['id']}: no corpus file or generator {name!r}"
    return path


def _prepare(case: dict[str, Any], folder: Path, world: World) -> tuple[list[str], bytes | None]:
    scratch = folder / "tmp"
    scratch.mkdir()
    plain = folder / "plain.txt"
    plain.write_text("an ordinary file\n", encoding="utf-8")
    values = {
        "key": str(world.key),
        "file": str(plain),
        "tmp": str(scratch),
        "missing": str(scratch / "no-such-folder" / "item"),
    }
    source = case.get("input") or case.get("generate")
    if source is not None:
        values["input"] = str(_materialize(case, folder, world, source))
    stdin = None
    if "stdin" in case:
        stdin = _materialize(case, folder, world, case["stdin"]).read_bytes()
    return [arg.format(**values) for arg in case["argv"]], stdin


def _in_process(argv: list[str], stdin: bytes | None) -> Outcome:
    result = CliRunner().invoke(app, argv, input=stdin)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # A Python exception escaped the command: the case fails.
    return Outcome(result.exit_code, result.stdout, result.stderr)


def _as_process(argv: list[str], stdin: bytes | None) -> Outcome:
    done = subprocess.run(
        [*SHIKAKU, *argv], input=stdin, capture_output=True, timeout=300, check=False
    )
    return Outcome(
        done.returncode,
        done.stdout.decode("utf-8", "replace"),
        done.stderr.decode("utf-8", "replace"),
    )


def _check(case: dict[str, Any], outcome: Outcome) -> None:
    assert TRACEBACK not in outcome.text, outcome.text[-2000:]
    assert case["code"] in outcome.text, outcome.text[-2000:]
    assert outcome.exit_code == case["exit"], outcome.text[-2000:]


def test_every_case_is_well_formed() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) == len(set(ids))
    for case in CASES:
        assert {"id", "argv", "code", "exit"} <= set(case), case
        assert not ({"input", "generate"} <= set(case)), case
        assert case["exit"] in (1, 2), case


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: dict[str, Any], world: World, tmp_path: Path) -> None:
    argv, stdin = _prepare(case, tmp_path, world)
    _check(case, _in_process(argv, stdin))


SUBPROCESS = [case for case in CASES if case.get("subprocess")]


@pytest.mark.parametrize("case", SUBPROCESS, ids=[case["id"] for case in SUBPROCESS])
def test_case_as_a_process(case: dict[str, Any], world: World, tmp_path: Path) -> None:
    argv, stdin = _prepare(case, tmp_path, world)
    _check(case, _as_process(argv, stdin))
