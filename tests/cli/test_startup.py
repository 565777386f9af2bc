"""Issue 10: ``shikaku`` starts fast and its help reads cleanly.

Start-up is measured by ``bench/startup_bench.py`` (no timed assertions here). What the tests
hold is the cause of a slow start: which modules a command loads before it runs. The help of
every command is rendered and read: a one-line summary, no value placeholder after a flag,
and every word of the help text still there after markdown rendering.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cli.app import GROUPS, app, load_group
from cli.vc import app as vc_app

#: What no command may load just to parse its arguments or show its help.
_HEAVY = (
    "sqlalchemy",
    "alembic",
    "pyld",
    "httpx",
    "jsonschema",
    "cryptography",
    "rich.table",
    "jpki_bridge",
    "issuer",
    "holder",
    "verifier",
    "vc_schemas",
    "cli.loader",
)

_BORDERS = re.compile(r"[│╭╮╰╯─]+")


def _loaded_after(script: str) -> set[str]:
    """The heavy top-level modules in ``sys.modules`` after ``script``, in a fresh process."""
    probe = (
        f"{script}\nimport json, sys\n"
        f"heavy = {list(_HEAVY)!r}\n"
        "print(json.dumps(sorted(h for h in heavy if any("
        "m == h or m.startswith(h + '.') for m in sys.modules))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_importing_the_app_loads_no_command_group() -> None:
    assert _loaded_after("import cli.app") == set()
    script = "import json, sys, cli.app; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert not {f"cli.{name}" for name in GROUPS} & set(json.loads(done.stdout))


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_a_group_builds_its_commands_without_loading_their_work(group: str) -> None:
    # `shikaku vc verify --help` (or any command's argument parsing) builds this group.
    assert _loaded_after(f"from cli.app import load_group; load_group({group!r})") == set()


def _command_paths() -> list[tuple[str, ...]]:
    paths: list[tuple[str, ...]] = [()]
    for name in GROUPS:
        group = load_group(name)
        paths.append((name,))
        paths += [(name, sub) for sub in group.commands]
    return paths


@pytest.fixture(scope="module")
def helps() -> dict[tuple[str, ...], str]:
    runner = CliRunner(env={"COLUMNS": "200", "TERMINAL_WIDTH": "200", "NO_COLOR": "1"})
    pages = {}
    for path in _command_paths():
        result = runner.invoke(app, [*path, "--help"])
        assert result.exit_code == 0, (path, result.output)
        pages[path] = result.output
    return pages


def test_every_command_has_a_one_line_summary(helps: dict[tuple[str, ...], str]) -> None:
    for name in GROUPS:
        group = load_group(name)
        assert group.help == GROUPS[name][1]
        for sub, command in group.commands.items():
            summary = (command.help or "").strip().split("\n\n", 1)[0]
            assert summary, f"shikaku {name} {sub} has no summary"
            assert "\n" not in summary and len(summary) <= 100, f"{name} {sub}: {summary!r}"
            assert summary in " ".join(helps[(name,)].split()), f"{name} {sub}"


def test_flags_show_no_value_placeholder(helps: dict[tuple[str, ...], str]) -> None:
    for path, page in helps.items():
        assert "<bool>" not in page, f"shikaku {' '.join(path)} --help:\n{page}"
        assert re.search(r"--help\s+Show this message", page), page
    assert re.search(r"--jsonl\s+One credential per line", helps[("vc", "verify")])


def test_help_text_survives_markdown_rendering(helps: dict[tuple[str, ...], str]) -> None:
    """Help is rendered as markdown (so paragraphs reflow): no word may be eaten as markup."""
    for path, page in helps.items():
        if not path:
            continue
        group = load_group(path[0])
        command = group.commands[path[1]] if len(path) == 2 else group
        texts = [command.help or ""] + [getattr(p, "help", None) or "" for p in command.params]
        shown = " ".join(_BORDERS.sub(" ", page).split())
        for text in texts:
            for word in text.replace("`", "").split():
                assert word.strip(".,;:()") in shown, f"{' '.join(path)}: {word!r} lost"


def test_the_vc_group_says_what_the_root_listing_says() -> None:
    own = vc_app.info.help
    assert not isinstance(own, str) or own == GROUPS["vc"][1]
