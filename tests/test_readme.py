"""The README, run as a newcomer runs it: every ``sh`` block, command by command, in order.

The commands run in one ``bash`` (so variables carry from block to block), starting in the
clone as the README says, with a minimal environment: a ``PATH`` without the virtualenv (the
README's own ``export`` must provide ``shikaku``), a private ``HOME`` and ``TMPDIR``, and no
network (a ``sitecustomize`` refuses every connection that is not to this machine). Each
command must exit as its comment says (``# … exit N …``; 0 when it says nothing). Afterwards
the clone must be as it was (``git status``), and every file the commands made must be one
``.gitignore`` covers, should someone run them in the clone instead.

A block whose fence is preceded by ``<!-- readme-test: skip (why) -->`` is not run (the
quick start, which sets up the clone and runs this very suite). New commands in the README,
such as a trust list step, are run like the others without any change here.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

_SKIP = re.compile(r"<!--\s*readme-test:\s*skip\b")
_EXIT = re.compile(r"\bexit (\d+)\b")
_CWD_MARK = "::readme cwd "

# Refuses every connection that is not to this machine, in every Python the README starts.
_GUARD = """
import socket

_LOCAL = ("127.", "::1", "localhost")
_connect, _getaddrinfo = socket.socket.connect, socket.getaddrinfo


def _host(address):
    return str(address[0]) if isinstance(address, tuple) and address else str(address)


def connect(self, address):
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _host(address).startswith(_LOCAL):
        raise OSError(f"README test: no network ({address!r})")
    return _connect(self, address)


def getaddrinfo(host, *args, **kwargs):
    if host is not None and not str(host).startswith(_LOCAL):
        raise OSError(f"README test: no network ({host!r})")
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect = connect
socket.getaddrinfo = getaddrinfo
"""


@dataclass(frozen=True)
class Command:
    """One command of the README: its text, the line it starts on, the exit it expects."""

    text: str
    line: int
    expected_exit: int


def _comment_start(line: str) -> int:
    """Where an unquoted shell comment starts in ``line`` (its length when there is none)."""
    quote = ""
    for index, char in enumerate(line):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (index == 0 or line[index - 1].isspace()):
            return index
    return len(line)


def readme_commands(text: str) -> list[Command]:
    """The commands of every ``sh`` block not marked skip, continuation lines joined."""
    commands: list[Command] = []
    lines = text.splitlines()
    inside, skipped, pending, start = False, False, "", 0
    for number, line in enumerate(lines, start=1):
        fence = line.strip().startswith("```")
        if not inside and fence:
            previous = next((p for p in reversed(lines[: number - 1]) if p.strip()), "")
            inside, skipped = True, line.strip() != "```sh" or bool(_SKIP.search(previous))
            continue
        if inside and fence:
            inside = False
            continue
        if not inside or skipped:
            continue
        if not pending:
            start = number
        cut = _comment_start(line)
        code, comment = line[:cut].rstrip(), line[cut:]
        if code.endswith("\\"):
            pending += code[:-1].strip() + " "
            continue
        whole = (pending + code.strip()).strip()
        pending = ""
        if whole:
            found = _EXIT.search(comment)
            commands.append(Command(whole, start, int(found.group(1)) if found else 0))
    return commands


def _script(commands: list[Command]) -> str:
    parts = [
        "set -u",
        'check() { [ "$1" -eq "$2" ] || { '
        'printf "README.md line %s exited %s, the README says %s\\n" "$3" "$1" "$2" >&2; '
        "exit 99; }; }",
    ]
    for command in commands:
        parts += [
            f"printf '::readme line %s\\n' {command.line}",
            command.text,
            f"check $? {command.expected_exit} {command.line}",
        ]
    parts.append(f'printf "{_CWD_MARK}%s\\n" "$PWD"')
    return "\n".join(parts) + "\n"


def _clone_state() -> str:
    """``git status`` of the clone, ignored files included, bytecode caches left out."""
    done = subprocess.run(
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    return "\n".join(line for line in done.stdout.splitlines() if "__pycache__" not in line)


def test_commands_are_read_with_their_expected_exits() -> None:
    text = "\n".join(
        [
            "```sh",
            "a --x 'not # a comment'   # exit 2: refused",
            "b \\",
            "    --long   # a comment, no exit",
            "# a comment line",
            "```",
            "<!-- readme-test: skip (setup) -->",
            "```sh",
            "make test",
            "```",
            "```text",
            "0 * * * * cron",
            "```",
        ]
    )
    assert readme_commands(text) == [
        Command("a --x 'not # a comment'", 2, 2),
        Command("b --long", 3, 0),
    ]


@pytest.mark.slow
def test_readme_runs_as_written_from_a_scratch_folder(tmp_path: Path) -> None:
    bash, git = shutil.which("bash"), shutil.which("git")
    if bash is None or git is None or not (ROOT / ".git").exists():
        pytest.skip("the README test needs bash and a git clone")
    if not (ROOT / ".venv" / "bin" / "shikaku").exists():
        pytest.skip("the README runs shikaku from the clone's .venv (make setup)")
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert any(c.text.startswith("export PATH=") for c in commands)
    guard, home, scratch = tmp_path / "guard", tmp_path / "home", tmp_path / "tmp"
    for folder in (guard, home, scratch):
        folder.mkdir()
    (guard / "sitecustomize.py").write_text(_GUARD, encoding="utf-8")
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "TMPDIR": str(scratch),
        "PYTHONPATH": str(guard),
        "LANG": "C.UTF-8",
        "COLUMNS": "100",
        "TERM": "dumb",
    }
    before = _clone_state()
    done = subprocess.run(
        [bash, "-c", _script(commands)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:] + "\n--- stdout ---\n" + done.stdout[-3000:]
    assert _clone_state() == before, "the README changed the clone"

    # The README worked in a scratch folder outside the clone …
    cwd = Path(done.stdout.rsplit(_CWD_MARK, 1)[1].strip())
    assert cwd.is_relative_to(scratch) and not cwd.is_relative_to(ROOT)
    made = sorted(str(p.relative_to(cwd)) for p in cwd.rglob("*") if p.is_file())
    assert "board.jwk" in made and len(made) > 20
    # … and had it been the clone, git would have ignored every file it made.
    ignored = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=ROOT,
        input="\n".join(made) + "\n",
        capture_output=True,
        text=True,
        check=False,
    )
    assert sorted(ignored.stdout.splitlines()) == made
