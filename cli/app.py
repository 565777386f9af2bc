"""The ``shikaku`` command: the typer root app and its error boundary.

Each command group is a sub-app in its own module. Every command parses its
arguments, calls one function of a role or of ``vc_core``, and renders the
result. A :class:`~vc_core.errors.ShikakuError` becomes one stderr line
(``error: <code>: <message>``) and exit code 2, in one place for every command
(:class:`cli.errors.GuardedGroup`, the root group); tracebacks never show locals.
"""

from __future__ import annotations

import sys

import typer

from cli import card as card_cli
from cli import demo as demo_cli
from cli import keys as keys_cli
from cli import schemas as schemas_cli
from cli import status as status_cli
from cli import trust as trust_cli
from cli import vc as vc_cli
from cli.errors import GuardedGroup
from vc_core.errors import ShikakuError

app = typer.Typer(
    name="shikaku",
    cls=GuardedGroup,
    help="National qualifications as W3C Verifiable Credentials bound to the My Number Card.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
app.add_typer(card_cli.app, name="card")
app.add_typer(keys_cli.app, name="keys")
app.add_typer(vc_cli.app, name="vc")
app.add_typer(schemas_cli.app, name="schemas")
app.add_typer(status_cli.app, name="status")
app.add_typer(trust_cli.app, name="trust")
app.add_typer(demo_cli.app, name="demo")


def main() -> None:
    """Console entry point: run the app, turning shikaku errors into one line and exit 2."""
    try:
        # In non-standalone mode click returns the exit code of typer.Exit.
        result = app(standalone_mode=False)
        sys.exit(result if isinstance(result, int) else 0)
    except ShikakuError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
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
