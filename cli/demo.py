"""``shikaku demo``: the main story, told on embedded defaults (:mod:`cli.demo_story`).

This module only parses the command line; the story and everything it imports load when
the command runs, so ``shikaku --help`` stays fast. From Python, call
:func:`cli.demo_story.run_demo` to tell the story on a clock of your choosing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(subcommand_metavar="")


@app.callback(invoke_without_command=True)
def demo(
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder for the files (default: a temp dir)")
    ] = None,
) -> None:
    """Board signs, holder discloses, employer verifies, a forgery fails."""
    from rich.console import Console

    from cli.demo_story import run_demo

    console = Console(emoji=False, highlight=False)
    folder = out or Path(tempfile.mkdtemp(prefix="shikaku-demo-"))
    if not run_demo(folder, console=console):
        console.print("[bold red]A step did not come out as it must: this is a bug.[/]")
        raise typer.Exit(1)
    console.print(
        "\n[bold green]Demo complete.[/] Try: "
        f"shikaku vc verify --checks proof {folder / 'signed-ecdsa-rdfc-2019.json'}"
        " (the board's proof alone; the README's 'What an employer checks' runs every check)"
    )
