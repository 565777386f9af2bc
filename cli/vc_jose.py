"""The JOSE side of ``shikaku vc``: sign as ``dc+sd-jwt``/``vc+sd-jwt``/``vc+jwt``, present,
verify. Parsing and rendering only; the work is the roles' (issuer, holder, verifier).

- ``sign --format F --key FILE (--holder-key FILE | --holder-card)``: the issuer key signs;
  the holder key goes into ``cnf`` — a wallet JWK, or the card's user-authentication
  certificate (its key and ``x5t#S256``), read without a PIN.
- ``present [--disclose PATH]... (--kb-key FILE | --card) --nonce N --aud A``: the holder
  chooses claims by path (``/licenseNumber``, ``/achievement/name``) and signs the KB-JWT with
  a wallet key, or on the card after asking for the auth PIN without echo (or reading it
  from standard input with ``--pin-stdin``) — never from argv, never logged.
- ``verify [--nonce N --aud A] [--jpki-anchor FILE]...``: the form is read from the content.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from cli.card import ask_pin, card_errors, open_session
from vc_core.jsonio import loads, read_json

if TYPE_CHECKING:
    from holder.wallet import Wallet
    from issuer.jose_forms import HolderBinding
    from jpki_bridge.session import CardSession

__all__ = [
    "card_binding",
    "card_session",
    "load_holder_key",
    "present_text",
]


def load_holder_key(path: Path) -> HolderBinding:
    """A wallet key's binding from a JWK file (public or private; only the public part)."""
    from issuer.jose_forms import HolderBinding
    from vc_core.keys import KEY_FILE_LIMITS, public_key_from_jwk

    return HolderBinding.of_key(public_key_from_jwk(read_json(path, limits=KEY_FILE_LIMITS)))


@contextmanager
def card_session(reader: str | None, emulator: Path | None) -> Iterator[CardSession]:
    """A card session with card errors rendered as one bilingual line (exit 2)."""
    with card_errors(), open_session(reader, emulator) as session:
        yield session


def card_binding(reader: str | None, emulator: Path | None) -> HolderBinding:
    """Card mode: the auth certificate's key and ``x5t#S256`` (no PIN needed)."""
    from holder.card import auth_certificate
    from issuer.jose_forms import HolderBinding

    with card_session(reader, emulator) as session:
        return HolderBinding.of_certificate(auth_certificate(session))


def present_text(
    text: str,
    *,
    disclose: Sequence[str],
    nonce: str,
    audience: str,
    kb_key: Path | None,
    card: bool,
    reader: str | None,
    emulator: Path | None,
    pin_stdin: bool,
    allow_last_try: bool,
) -> str | dict[str, Any]:
    """What the holder sends: an SD-JWT+KB, or for a JSON-LD credential a presentation (a
    Data Integrity VP, or a ``vp+jwt`` when the card signs); hidden fields are warned about."""
    from holder.card import card_signer
    from holder.wallet import Wallet
    from jpki_bridge.pin import PinKind
    from vc_core.keys import load_key

    credential: str | dict[str, Any] = text.strip()
    if text.lstrip().startswith("{"):
        credential = loads(text, where="the credential")
    else:
        _warn_hidden(Wallet().hidden_in_sd_jwt(text.strip(), disclose))
    if not card:
        assert kb_key is not None
        return _present(Wallet(load_key(kb_key)), credential, disclose, nonce, audience)
    with card_session(reader, emulator) as session:
        pin = ask_pin(session, PinKind.AUTH, from_stdin=pin_stdin, allow_last=allow_last_try)
        signer = card_signer(session, pin, allow_last_try=allow_last_try)
        wallet = Wallet(signer, chain=tuple(signer.chain))
        return _present(wallet, credential, disclose, nonce, audience)


def _present(
    wallet: Wallet,
    credential: str | dict[str, Any],
    disclose: Sequence[str],
    nonce: str,
    audience: str,
) -> str | dict[str, Any]:
    if isinstance(credential, str):
        return wallet.present_sd_jwt(credential, disclose=disclose, nonce=nonce, audience=audience)
    return wallet.present([credential], nonce=nonce, audience=audience)


def _warn_hidden(pointers: Sequence[str]) -> None:
    for pointer in pointers:
        typer.echo(
            f"warning: {pointer} は通常開示しない項目です / is hidden by default "
            "(fair-recruitment guidance); disclosing it anyway",
            err=True,
        )
