"""``shikaku demo``: the main story over real HTTP (:mod:`cli.demo_story`), or, with
``--formats``, the offline story of each securing form (:mod:`cli.demo_formats`).

This module only parses the command line; the stories and everything they import load when
the command runs, so ``shikaku --help`` stays fast.
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
    formats: Annotated[
        bool,
        typer.Option(
            "--formats", help="Tell the offline story of each securing form (no servers)."
        ),
    ] = False,
) -> None:
    """A board issues, a nurse presents with her card, a hospital checks — over HTTP."""
    from rich.console import Console

    console = Console(emoji=False, highlight=False)
    folder = out or Path(tempfile.mkdtemp(prefix="shikaku-demo-"))
    if formats:
        from cli.demo_formats import run_demo as run_formats

        ok = run_formats(folder, console=console)
        if ok:
            console.print(
                f"Try: shikaku vc verify --checks proof {folder / 'signed-ecdsa-rdfc-2019.json'}"
            )
    else:
        from cli.demo_story import run_demo

        ok = run_demo(folder, console=console)
    if not ok:
        console.print("[bold red]A step did not come out as it must: this is a bug.[/]")
        raise typer.Exit(1)
    console.print("\n[bold green]デモ完了 / Demo complete.[/]")
