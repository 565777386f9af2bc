"""The ``shikaku`` command: the typer root app and its error boundary.

Each command group is a sub-app in its own module, loaded only when a command of that group
runs (or its help is asked for): ``shikaku --help`` imports none of them, and ``shikaku vc
verify`` imports ``cli.vc`` alone, whose commands import their work (pyld, SQLAlchemy, the
card stack …) when they run. Start-up stays under 0.3 s (issue 10; ``bench/startup_bench.py``).
Help is rendered as markdown, so a docstring's paragraphs reflow to the terminal's width.

Every command parses its arguments, calls one function of a role or of ``vc_core``, and
renders the result. A :class:`~vc_core.errors.ShikakuError` becomes one stderr line
(``error: <code>: <message>``) and exit code 2 (the wallet's refusals have their own codes,
:data:`cli.errors.EXIT_CODES`), in one place for every command
(:class:`cli.errors.GuardedGroup`, the root group); tracebacks never show locals.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer
from typer.core import TyperGroup
from typer.main import get_group_from_info
from typer.models import TyperInfo

from cli.errors import GuardedGroup, exit_code
from vc_core.errors import ShikakuError

__all__ = ["GROUPS", "app", "main"]

#: Each command group: the module holding its typer app, and its one-line summary (shown by
#: ``shikaku --help`` without importing the module, and as the group's own help).
GROUPS: dict[str, tuple[str, str]] = {
    "card": (
        "cli.card",
        "The My Number Card (JPKI): readers, PINs, certificates, proofs, emulator.",
    ),
    "keys": ("cli.keys", "Software keys (P-256, Ed25519) stored as private JWK files."),
    "vc": ("cli.vc", "Sign, derive, verify and canonicalize Verifiable Credentials."),
    "schemas": (
        "cli.schemas",
        "The qualification catalogue and the JP profile of Open Badges 3.0.",
    ),
    "status": ("cli.status", "Status lists: decode, encode, check, and a local issuer registry."),
    "issuer": (
        "cli.issuer",
        "A qualification board: import the register, issue, lifecycle orders, keys.",
    ),
    "trust": ("cli.trust", "The trust registry: which issuers may issue which qualifications."),
    "wallet": (
        "cli.wallet",
        "The holder's wallet: keep your credentials, encrypted, on this machine.",
    ),
    "serve": ("cli.serve", "Run shikaku's HTTP services (the verifier, speaking VC-API)."),
    "demo": ("cli.demo", "The main story over HTTP: a board, a nurse with her card, a hospital."),
}


def load_group(name: str) -> TyperGroup:
    """The click group of one command group, its module imported now."""
    module_name, summary = GROUPS[name]
    sub_app = importlib.import_module(module_name).app
    return get_group_from_info(
        TyperInfo(sub_app, name=name, help=summary),
        pretty_exceptions_short=sub_app.pretty_exceptions_short,
        rich_markup_mode="markdown",
        suggest_commands=sub_app.suggest_commands,
    )


class _LazyGroup(GuardedGroup):
    """The root group: lists every command group by its summary, loads one when it runs."""

    def __init__(self, **attrs: Any) -> None:
        super().__init__(**attrs)
        self.loaded: set[str] = set()
        for name, (_, summary) in GROUPS.items():
            self.commands[name] = TyperGroup(name=name, help=summary)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, command, rest = super().resolve_command(ctx, args)
        if name in GROUPS and name not in self.loaded:
            command = self.commands[name] = load_group(name)
            self.loaded.add(name)
        return name, command, rest


app = typer.Typer(
    name="shikaku",
    cls=_LazyGroup,
    rich_markup_mode="markdown",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


@app.callback()
def shikaku() -> None:
    """National qualifications as W3C Verifiable Credentials bound to the My Number Card."""


def main() -> None:
    """Console entry point: run the app, turning shikaku errors into one line and exit 2."""
    try:
        # In non-standalone mode click returns the exit code of typer.Exit.
        result = app(standalone_mode=False)
        sys.exit(result if isinstance(result, int) else 0)
    except ShikakuError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exit_code(exc))
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.TyperException as exc:
        # Usage errors (a bad option, a missing argument): click's own message.
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"error: {exc}", err=True)
        sys.exit(getattr(exc, "exit_code", 2))
