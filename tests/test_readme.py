"""The README and the guides in ``docs/``, run as a newcomer runs them: every ``sh`` block,
command by command, in order.

The commands of one document run in one ``bash`` (so variables carry from block to block),
with a minimal environment: a private ``HOME`` and ``TMPDIR``, and no network (a
``sitecustomize`` refuses every connection that is not to this machine). Each command must
exit as its comment says (``# … exit N …``; 0 when it says nothing). The ``bash`` leads a
process group of its own, and whatever a document left running (a server started with ``&``)
is stopped with it, whether the commands passed or failed.

- The README starts in the clone, as it says, with a ``PATH`` without the virtualenv (its own
  ``export`` must provide ``shikaku``). Afterwards the clone must be as it was (``git
  status``), and every file the commands made must be one ``.gitignore`` covers, should
  someone run them in the clone instead.
- Each guide (``docs/*.md``; a name starting with ``_`` is a fragment, not a guide) starts in
  a new empty folder with ``shikaku`` on the ``PATH``, as the README's "Using it" leaves the
  reader. A guide's servers listen on ``${BOARD_PORT:-8100}`` and ``${HOSPITAL_PORT:-8000}``:
  the reader gets the defaults, the test free ports, so runs never collide.

A block whose fence is preceded by ``<!-- readme-test: skip (why) -->`` is not run (the
quick start, which sets up the clone and runs this very suite). New commands in the README
or a guide are run like the others without any change here.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
VENV_BIN = ROOT / ".venv" / "bin"
#: The guides in docs/ (a name starting with "_" is a fragment another page takes in).
GUIDES = sorted(p for p in (ROOT / "docs").glob("*.md") if not p.name.startswith("_"))
#: The ports a guide's servers listen on (``${BOARD_PORT:-8100}``): free ones in the test.
PORT_VARIABLES = ("BOARD_PORT", "BOARD_PORT_2", "HOSPITAL_PORT")
_SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"

_SKIP = re.compile(r"<!--\s*readme-test:\s*skip\b")
_EXIT = re.compile(r"\bexit (\d+)\b")
_HEREDOC = re.compile(r"(?<!<)<<-?(?!<)\s*['\"]?(\w+)['\"]?")
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
    """The commands of every ``sh`` block not marked skip: continuation lines joined, and a
    here-document or a function (``name() {`` … ``}``) kept whole, as one command."""
    commands: list[Command] = []
    lines = text.splitlines()
    inside, skipped, pending, start = False, False, "", 0
    until, expected = "", 0
    for number, line in enumerate(lines, start=1):
        fence = line.strip().startswith("```")
        if until:  # inside a here-document or a function: taken as written
            pending += "\n" + line
            if line.strip() == until:
                commands.append(Command(pending, start, expected))
                pending, until = "", ""
            continue
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
        if not whole:
            continue
        found = _EXIT.search(comment)
        expected = int(found.group(1)) if found else 0
        heredoc = _HEREDOC.search(whole)
        if heredoc or whole.endswith("{"):
            pending, until = whole, heredoc.group(1) if heredoc else "}"
            continue
        commands.append(Command(whole, start, expected))
    return commands


def _script(commands: list[Command], name: str) -> str:
    parts = [
        "set -u",
        'check() { [ "$1" -eq "$2" ] || { '
        f'printf "{name} line %s exited %s, the text says %s\\n" "$3" "$1" "$2" >&2; '
        "exit 99; }; }",
    ]
    for command in commands:
        parts += [
            # To stderr, so that a function whose body this lands in prints only its own.
            f"printf '::readme line %s\\n' {command.line} >&2",
            command.text,
            f"check $? {command.expected_exit} {command.line}",
        ]
    parts.append(f'printf "{_CWD_MARK}%s\\n" "$PWD"')
    return "\n".join(parts) + "\n"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run_document(
    document: Path, *, cwd: Path, tmp_path: Path, path: str, extra: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``document``'s commands in one ``bash`` started in ``cwd`` (see the module).

    The bash leads a process group of its own; whatever the commands left running (a server
    started with ``&`` that a failed command never stopped) is ended with it, pass or fail.
    """
    bash = shutil.which("bash")
    assert bash is not None
    commands = readme_commands(document.read_text(encoding="utf-8"))
    guard, home, scratch = tmp_path / "guard", tmp_path / "home", tmp_path / "tmp"
    for folder in (guard, home, scratch):
        folder.mkdir(exist_ok=True)
    (guard / "sitecustomize.py").write_text(_GUARD, encoding="utf-8")
    env = {
        "PATH": path,
        "HOME": str(home),
        "TMPDIR": str(scratch),
        "PYTHONPATH": str(guard),
        "LANG": "C.UTF-8",
        "COLUMNS": "100",
        "TERM": "dumb",
        **(extra or {}),
    }
    # Files, not pipes: a server left running would hold a pipe open after the bash ended.
    out, err = tmp_path / f"{document.stem}.stdout", tmp_path / f"{document.stem}.stderr"
    with out.open("w", encoding="utf-8") as stdout, err.open("w", encoding="utf-8") as stderr:
        process = subprocess.Popen(
            [bash, "-c", _script(commands, document.name)],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            returncode = process.wait(timeout=900)
        except subprocess.TimeoutExpired:
            returncode = -1
        finally:
            _end_group(process)
            process.wait()
    return subprocess.CompletedProcess(
        process.args,
        returncode,
        out.read_text(encoding="utf-8", errors="replace"),
        err.read_text(encoding="utf-8", errors="replace")
        + ("\n(stopped after 900 s)" if returncode == -1 else ""),
    )


def _end_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to what is left of the bash's process group, then SIGKILL to what has not
    stopped within ten seconds."""
    for number in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, number)
        except ProcessLookupError:
            return
        for _ in range(100):
            process.poll()  # reaps the bash itself, which would otherwise linger as a zombie
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


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
            "```sh",
            "cat > a.toml <<'EOF'   # exit 0",
            "x = 1   # not a comment here",
            "EOF",
            "f() {   # a function",
            "    g <<< 'here-string'",
            "}",
            "f   # exit 3",
            "```",
        ]
    )
    assert readme_commands(text) == [
        Command("a --x 'not # a comment'", 2, 2),
        Command("b --long", 3, 0),
        Command("cat > a.toml <<'EOF'\nx = 1   # not a comment here\nEOF", 15, 0),
        Command("f() {\n    g <<< 'here-string'\n}", 18, 0),
        Command("f", 21, 3),
    ]


def test_what_a_failed_document_left_running_is_stopped(tmp_path: Path) -> None:
    if shutil.which("bash") is None:
        pytest.skip("needs bash")
    document = tmp_path / "guide.md"
    document.write_text(
        "```sh\nsleep 300 &\necho $! > sleeper.pid\nfalse   # the guide goes wrong here\n```\n",
        encoding="utf-8",
    )
    done = run_document(document, cwd=tmp_path, tmp_path=tmp_path, path=_SYSTEM_PATH)
    assert done.returncode == 99
    assert "guide.md line 4 exited 1, the text says 0" in done.stderr
    sleeper = int((tmp_path / "sleeper.pid").read_text(encoding="utf-8"))
    with pytest.raises(ProcessLookupError):
        os.kill(sleeper, 0)


def _runnable() -> None:
    if shutil.which("bash") is None or shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("the README test needs bash and a git clone")
    if not (VENV_BIN / "shikaku").exists():
        pytest.skip("the README runs shikaku from the clone's .venv (make setup)")


def _failure(done: subprocess.CompletedProcess[str]) -> str:
    return done.stderr[-3000:] + "\n--- stdout ---\n" + done.stdout[-3000:]


@pytest.mark.slow
def test_readme_runs_as_written_from_a_scratch_folder(tmp_path: Path) -> None:
    _runnable()
    commands = readme_commands(README.read_text(encoding="utf-8"))
    assert any(c.text.startswith("export PATH=") for c in commands)
    before = _clone_state()
    done = run_document(README, cwd=ROOT, tmp_path=tmp_path, path=_SYSTEM_PATH)
    assert done.returncode == 0, _failure(done)
    assert _clone_state() == before, "the README changed the clone"

    # The README worked in a scratch folder outside the clone …
    scratch = tmp_path / "tmp"
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


@pytest.mark.slow
@pytest.mark.parametrize("guide", GUIDES, ids=[guide.stem for guide in GUIDES])
def test_guide_runs_as_written_in_a_fresh_folder(guide: Path, tmp_path: Path) -> None:
    """Each guide, from a new empty folder, with ``shikaku`` on the ``PATH`` as the README's
    "Using it" puts it; the ports a guide defaults to are free ones here."""
    _runnable()
    folder = tmp_path / "fresh"
    folder.mkdir()
    before = _clone_state()
    ports = {name: str(_free_port()) for name in PORT_VARIABLES}
    done = run_document(
        guide,
        cwd=folder,
        tmp_path=tmp_path,
        path=f"{VENV_BIN}:{_SYSTEM_PATH}",
        extra={**ports, "SHIKAKU_CLONE": str(ROOT)},
    )
    assert done.returncode == 0, _failure(done)
    assert _clone_state() == before, f"{guide.name} changed the clone"
