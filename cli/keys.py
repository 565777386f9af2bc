"""``shikaku keys``: make and inspect software keys."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from vc_core.did import did_key_from_public_key
from vc_core.keys import KeyType, generate_key

app = typer.Typer(help="Software keys (P-256, Ed25519) stored as private JWK files.")


@app.command("generate")
def generate(
    key_type: Annotated[str, typer.Option("--type", help="p256 or ed25519")],
    out: Annotated[Path, typer.Option("--out", help="Private JWK file to create (mode 0600)")],
) -> None:
    """Generate a key, write it to --out (never overwriting), and print its did:key."""
    if key_type not in ("p256", "ed25519"):
        raise typer.BadParameter("--type must be p256 or ed25519")
    kt: KeyType = "p256" if key_type == "p256" else "ed25519"
    key = generate_key(kt)
    try:
        key.save(out)
    except FileExistsError:
        typer.echo(f"error: {out} already exists; shikaku never overwrites a key", err=True)
        raise typer.Exit(2) from None
    typer.echo(did_key_from_public_key(key.public_key))
