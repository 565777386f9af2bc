"""``shikaku issuer keygen | key-info | enrol``: the board's signing key and card enrolment.

- ``keygen OUT --type p256|ed25519`` writes a new signing key as an encrypted PKCS#8 file
  (mode 0600, never overwriting). The passphrase is asked for twice without echo, or read
  from the first line of ``--passphrase-file``; never from a command-line argument, which
  other users of the machine can see.
- ``key-info`` shows the public side of the board's key as its settings name it (a key file
  or a PKCS#11 token): algorithm, public JWK, ``did:key`` and RFC 7638 thumbprint. Never any
  private material.
- ``enrol SUBJECT`` enrols a register subject with a My Number Card in a reader or the
  in-process emulator (:mod:`issuer.enrolment`): the board's challenge, the card's signature
  (the PIN asked for after showing the tries left, never retried), the board's checks, and
  the stored link.

Settings come from ``--config`` (TOML) and ``SHIKAKU_*`` variables, as for ``shikaku serve
issuer`` (:class:`issuer.settings.IssuerSettings`).
"""

from __future__ import annotations

import getpass
import json
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli.card import EmulatorOption, LastTryOption, PinStdinOption, ReaderOption

if TYPE_CHECKING:
    from issuer.enrolment import Mode
    from issuer.settings import IssuerSettings

__all__ = ["add_commands"]


class BoardKeyType(StrEnum):
    p256 = "p256"
    ed25519 = "ed25519"


class EnrolMode(StrEnum):
    card = "card"
    wallet = "wallet"


class CardKey(StrEnum):
    auth = "auth"
    sign = "sign"


ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="The board's settings file (TOML)")
]
PassphraseFileOption = Annotated[
    Path | None,
    typer.Option("--passphrase-file", help="Read the key passphrase from this file's first line"),
]


def _passphrase_from(path: Path) -> str:
    from vc_core.errors import InputError

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError("input.unreadable", f"cannot read the passphrase file {path}") from exc
    return text.splitlines()[0] if text else ""


def _new_passphrase(path: Path | None) -> str:
    from vc_core.errors import KeyMaterialError

    if path is not None:
        return _passphrase_from(path)
    first = getpass.getpass("新しいパスフレーズ / new passphrase: ")
    if first != getpass.getpass("もう一度 / again: "):
        raise KeyMaterialError("key.passphrase_mismatch")
    return first


def _settings(config: Path | None) -> IssuerSettings:
    from issuer.settings import IssuerSettings

    return IssuerSettings.load(toml_file=config)


def _prompt(path: Path | None) -> Any:
    """The passphrase source for an encrypted key file: the file, or one prompt."""
    if path is not None:
        return lambda: _passphrase_from(path)
    return lambda: getpass.getpass("鍵のパスフレーズ / key passphrase: ")


def keygen(
    out: Annotated[Path, typer.Argument(help="The encrypted key file to create (mode 0600)")],
    key_type: Annotated[
        BoardKeyType, typer.Option("--type", help="p256 (ES256) or ed25519 (EdDSA)")
    ] = BoardKeyType.p256,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """Generate a board signing key as an encrypted file; print its did:key and thumbprint."""
    from issuer.keys import BOARD_KEY_TYPES, key_info, save_encrypted
    from vc_core.keys import generate_key

    passphrase = _new_passphrase(passphrase_file)
    key = generate_key(BOARD_KEY_TYPES[key_type.value])
    save_encrypted(key, out, passphrase)  # Never overwrites: input.unwritable.
    info = key_info(key)
    typer.echo(info.did_key)
    typer.echo(f"jwk-thumbprint: {info.thumbprint}")


def key_info_command(
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
) -> None:
    """Show the board key's public JWK, did:key and thumbprint (never private material)."""
    from issuer.keys import key_info, open_signer

    signer = open_signer(_settings(config), passphrase=_prompt(passphrase_file))
    try:
        typer.echo(json.dumps(key_info(signer).to_json(), indent=2))
    finally:
        _close(signer)


def _close(signer: object) -> None:
    """Release a signer that holds a resource (a PKCS#11 session)."""
    close = getattr(signer, "close", None)
    if close is not None:
        close()


def enrol(
    subject: Annotated[str, typer.Argument(help="The register subject, e.g. kangoshi:1234567")],
    *,
    mode: Annotated[
        EnrolMode, typer.Option("--mode", help="card: the card's key; wallet: a wallet key")
    ] = EnrolMode.card,
    wallet_key: Annotated[
        Path | None,
        typer.Option("--wallet-key", help="wallet mode: the wallet's public JWK file"),
    ] = None,
    card_key: Annotated[
        CardKey,
        typer.Option("--card-key", help="The card key that signs (sign: the four facts)"),
    ] = CardKey.auth,
    config: ConfigOption = None,
    passphrase_file: PassphraseFileOption = None,
    reader: ReaderOption = None,
    emulator: EmulatorOption = None,
    pin_stdin: PinStdinOption = False,
    allow_last_try: LastTryOption = False,
) -> None:
    """Enrol SUBJECT with a My Number Card: challenge, card signature, checks, stored link."""
    from cli.card import read_public_jwk, sign_on_card
    from issuer.board import open_board
    from issuer.enrolment import Enrolment
    from issuer.keys import open_signer
    from jpki_bridge.certs import CertKind

    settings = _settings(config)
    wallet = None
    if mode is EnrolMode.wallet:
        if wallet_key is None:
            raise typer.BadParameter("--mode wallet needs --wallet-key")
        wallet = read_public_jwk(wallet_key)
    board_key = open_signer(settings, passphrase=_prompt(passphrase_file))
    board = open_board(settings, signer=board_key)
    try:
        desk = Enrolment.from_settings(board)
        challenge = desk.challenge(subject)
        proof = sign_on_card(
            CertKind(card_key.value),
            nonce=challenge.nonce,
            audience=challenge.audience,
            purpose=challenge.purpose,
            wallet_jwk=wallet,
            reader=reader,
            emulator=emulator,
            pin_stdin=pin_stdin,
            allow_last_try=allow_last_try,
        )
        chosen: Mode = "card" if mode is EnrolMode.card else "wallet"
        enrolled = desk.enrol(subject, proof, chosen, wallet_jwk=wallet)
    finally:
        board.close()
        _close(board_key)
    typer.echo(
        json.dumps(
            {
                "subject": enrolled.subject_id,
                "mode": enrolled.mode,
                "cardKey": enrolled.card_key.value,
                "cnf": enrolled.holder.cnf(),
                "link": enrolled.link,
                "enrolledAt": enrolled.enrolled_at.isoformat(),
            },
            indent=2,
        )
    )


def add_commands(app: typer.Typer) -> None:
    """Add ``keygen``, ``key-info`` and ``enrol`` to the ``shikaku issuer`` group."""
    app.command("keygen")(keygen)
    app.command("key-info")(key_info_command)
    app.command("enrol")(enrol)
