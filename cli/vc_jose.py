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

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import typer

from cli.card import ask_pin, card_errors, open_session
from vc_core.errors import CredentialError, KeyMaterialError

if TYPE_CHECKING:
    from issuer.jose_forms import Form, HolderBinding, TokenStatus
    from jpki_bridge.session import CardSession
    from vc_core.keys import SoftwareKey
    from verifier.jose import JoseVerification

__all__ = [
    "card_binding",
    "card_session",
    "is_jose",
    "load_holder_key",
    "present_text",
    "sign_credential",
    "verify_text",
]


def is_jose(text: str) -> bool:
    """Whether ``text`` is a JOSE form (compact JWS/SD-JWT, or an SD-JWT JSON serialization)
    rather than a JSON-LD credential secured with Data Integrity."""
    stripped = text.strip()
    if not stripped.startswith("{"):
        return True
    try:
        document = json.loads(stripped)
    except ValueError:
        return False
    return isinstance(document, dict) and "payload" in document and "@context" not in document


def load_holder_key(path: Path) -> HolderBinding:
    """A wallet key's binding from a JWK file (public or private; only the public part)."""
    from issuer.jose_forms import HolderBinding
    from vc_core.keys import public_key_from_jwk

    try:
        jwk = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise KeyMaterialError("key.file_invalid", f"cannot read key file {path}") from exc
    return HolderBinding.of_key(public_key_from_jwk(jwk))


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


def sign_credential(
    credential: Any,
    *,
    form: str,
    key: SoftwareKey,
    holder: HolderBinding | None,
    status: TokenStatus | None,
    now: datetime,
) -> str:
    """The credential secured in ``form``; an absent issuer becomes the key's did:key."""
    from issuer.jose_forms import issue_jose_credential
    from vc_core.di import default_verification_method
    from vc_core.did import did_key_from_public_key

    if not isinstance(credential, dict):
        raise CredentialError("credential.malformed", "a credential is a JSON object")
    if "issuer" not in credential:
        did = did_key_from_public_key(key.public_key)
        credential = {**credential, "issuer": {"id": did, "type": ["Profile"], "name": did}}
    return issue_jose_credential(
        credential,
        form=cast("Form", form),
        signer=key,
        kid=default_verification_method(key),
        now=now,
        holder=holder,
        status=status,
    )


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
) -> str:
    """The SD-JWT+KB for a verifier; hidden-by-default fields are warned about on stderr."""
    from holder.card import card_signer, present_on_card
    from holder.present import hidden_requested, present
    from jpki_bridge.pin import PinKind
    from vc_core.keys import load_key

    credential = text.strip()
    for pointer in hidden_requested(credential, disclose):
        typer.echo(
            f"warning: {pointer} は通常開示しない項目です / is hidden by default "
            "(fair-recruitment guidance); disclosing it anyway",
            err=True,
        )
    now = datetime.now(UTC)
    if not card:
        assert kb_key is not None
        return present(
            credential,
            disclose=disclose,
            signer=load_key(kb_key),
            nonce=nonce,
            audience=audience,
            now=now,
        )
    with card_session(reader, emulator) as session:
        pin = ask_pin(session, PinKind.AUTH, from_stdin=pin_stdin, allow_last=allow_last_try)
        signer = card_signer(session, pin, allow_last_try=allow_last_try)
        return present_on_card(
            credential,
            disclose=disclose,
            signer=signer,
            nonce=nonce,
            audience=audience,
            now=now,
        )


def verify_text(
    text: str,
    *,
    nonce: str | None,
    audience: str | None,
    anchors: Sequence[Path] = (),
) -> JoseVerification:
    """The verdict of a JOSE-form presentation, at the current time."""
    from jpki_bridge.validation import TrustAnchors
    from verifier.jose import verify_jose

    trust = TrustAnchors.from_files(anchors) if anchors else None
    return verify_jose(
        text, now=datetime.now(UTC), nonce=nonce, audience=audience, card_anchors=trust
    )
