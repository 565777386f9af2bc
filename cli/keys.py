"""``shikaku keys``: make and inspect software keys."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from vc_core.keys import KeyType

app = typer.Typer()


class KeyKind(StrEnum):
    p256 = "p256"
    ed25519 = "ed25519"


@app.command("generate")
def generate(
    key_type: Annotated[KeyKind, typer.Option("--type", help="Key type")],
    out: Annotated[Path, typer.Option("--out", help="Private JWK file to create (mode 0600)")],
) -> None:
    """Generate a key, write it to --out (never overwriting), and print its did:key."""
    from vc_core.did import did_key_from_public_key
    from vc_core.keys import generate_key

    kt: KeyType = "p256" if key_type is KeyKind.p256 else "ed25519"
    key = generate_key(kt)
    key.save(out)  # Never overwrites: an existing file is input.unwritable.
    typer.echo(did_key_from_public_key(key.public_key))
