"""``shikaku issuer offer SUBJECT``: an OpenID4VCI 1.0 credential offer for a register subject.

The board's admin makes an offer (:meth:`issuer.oid4vci.Oid4vciIssuer.create_offer`) where the
board's data is, from the same settings as ``shikaku serve issuer`` (``--config`` and
``SHIKAKU_*`` variables). It prints the offer link (``openid-credential-offer://`` with a
``credential_offer_uri`` under the board's ``public_url``, which the served board answers), the
same link as a QR code for the holder's wallet to scan, and the transaction code — which the
board delivers to the holder on another channel (a letter, the board's portal), never with the
offer. ``--json`` prints what ``POST /admin/offers`` answers instead.

Without ``--configuration`` the subject's qualification is offered as an SD-JWT VC only
(``{qualification}_dc_sd_jwt``), the form a holder presents with a wallet key or on her My
Number Card. The link is valid for ``oid4vci_offer_ttl`` seconds and can be redeemed once.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from cli.issuer_keys import ConfigOption, PassphraseFileOption

__all__ = ["add_commands", "offer"]


def offer(
    subject: Annotated[str, typer.Argument(help="The register subject, e.g. kangoshi:1234567")],
    *,
    configuration: Annotated[
        list[str] | None,
        typer.Option(
            "--configuration",
            help="A credential configuration to offer (repeatable; default: the SD-JWT VC, "
            "e.g. kangoshi_dc_sd_jwt)",
        ),
    ] = None,
    no_tx_code: Annotated[
        bool, typer.Option("--no-tx-code", help="Offer without a transaction code")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the offer as JSON (as POST /admin/offers)")
    ] = False,
    actor: Annotated[
        str, typer.Option("--actor", help="Who made the offer (the event log records it)")
    ] = "cli",
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """Offer SUBJECT's credentials to her wallet: a link, its QR code, the transaction code."""
    from cli.issuer_lifecycle import _board
    from issuer.oid4vci import Oid4vciIssuer

    with _board(config, passphrase_file) as board:
        service = Oid4vciIssuer(board)
        created = service.create_offer(
            subject, configuration or None, tx_code=not no_tx_code, actor=actor
        )
    if as_json:
        typer.echo(json.dumps(created.to_json(), ensure_ascii=False, indent=2))
        return
    _show(created.by_reference, created.tx_code, created.expires_at.isoformat())


def _show(link: str, tx_code: str | None, expires_at: str) -> None:
    import segno

    typer.echo("資格証明のオファー / credential offer:")
    typer.echo(link)
    typer.echo("")
    segno.make(link, error="m", micro=False).terminal(out=sys.stdout, compact=True)
    typer.echo(f"有効期限 / valid until: {expires_at}")
    if tx_code is None:
        typer.echo("確認コードなし / no transaction code")
    else:
        typer.echo(f"確認コード / transaction code: {tx_code}")
        typer.echo(
            "確認コードはオファーとは別の経路（郵送、交付機関のポータル等）で本人に届けてください。"
            " / Deliver the transaction code to the holder on another channel (a letter, the "
            "board's portal), never with the offer."
        )


def add_commands(app: typer.Typer) -> None:
    """Add ``offer`` to the ``shikaku issuer`` group."""
    app.command("offer")(offer)
