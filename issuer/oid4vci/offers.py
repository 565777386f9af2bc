"""Credential offers (OpenID4VCI 1.0 §4.1): the object, and the two ways to hand it over.

A board offers a holder's credentials with a pre-authorized code (§4.1.1 ``grants``), and
usually a transaction code (``tx_code``) that it sends the holder another way (a letter, the
board's portal, SMS): the offer only says how long the code is and that it is numeric, never
the code itself (§4.1.1, §13.6 "Pre-Authorized Code Flow").

The offer travels **by value** (``openid-credential-offer://?credential_offer=<JSON>``) or
**by reference** (``credential_offer_uri``, §4.1.3): the wallet fetches the object from the
board. The reference is a random secret, and the pre-authorized code is derived from it
(:func:`code_of`), so the board can serve the offer again while storing neither: only the
digests of both (:mod:`issuer.oid4vci.models`).
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final
from urllib.parse import urlencode

from issuer.oid4vci.metadata import PRE_AUTHORIZED_GRANT
from vc_core.codecs import b64url_encode

__all__ = ["OFFER_SCHEME", "CreatedOffer", "code_of", "new_tx_code", "offer_object"]

OFFER_SCHEME: Final = "openid-credential-offer://"
_CODE_LABEL: Final = b"shikaku/oid4vci/pre-authorized_code\x00"
TX_CODE_DESCRIPTION: Final = (
    "資格の登録機関から別にお知らせした確認番号 (the number the board sent you)"
)


def code_of(reference: str) -> str:
    """The pre-authorized code of the offer whose reference is ``reference``."""
    return b64url_encode(hashlib.sha256(_CODE_LABEL + reference.encode("ascii")).digest())


def new_tx_code(length: int) -> str:
    """A numeric transaction code of ``length`` digits, uniformly random."""
    return "".join(secrets.choice("0123456789") for _ in range(length))


def offer_object(
    issuer: str, configuration_ids: tuple[str, ...], code: str, tx_code_length: int | None
) -> dict[str, Any]:
    """The credential offer object (§4.1.1) of a pre-authorized grant."""
    grant: dict[str, Any] = {"pre-authorized_code": code}
    if tx_code_length is not None:
        grant["tx_code"] = {
            "input_mode": "numeric",
            "length": tx_code_length,
            "description": TX_CODE_DESCRIPTION,
        }
    return {
        "credential_issuer": issuer,
        "credential_configuration_ids": list(configuration_ids),
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


@dataclass(frozen=True)
class CreatedOffer:
    """A new offer for the board's admin to hand over: the offer (by value or by reference)
    to the wallet, and ``tx_code`` to the holder on another channel. Its repr shows neither
    the code nor the transaction code."""

    grant_id: str
    subject_id: str
    offer: dict[str, Any] = field(repr=False)
    offer_uri: str = field(repr=False)
    pre_authorized_code: str = field(repr=False)
    tx_code: str | None = field(repr=False)
    expires_at: datetime = field()

    def to_json(self) -> dict[str, Any]:
        """What the board's admin is handed (``POST /admin/offers``, ``shikaku issuer offer``):
        the offer by reference, its transaction code (for another channel), expiry and grant."""
        return {
            "offer_uri": self.by_reference,
            "credential_offer_uri": self.offer_uri,
            "tx_code": self.tx_code,
            "expires_at": self.expires_at.isoformat(),
            "grant_id": self.grant_id,
            "subject_id": self.subject_id,
            "configuration_ids": list(self.offer["credential_configuration_ids"]),
        }

    @property
    def by_value(self) -> str:
        """``openid-credential-offer://?credential_offer=…`` (§4.1.2)."""
        text = json.dumps(self.offer, ensure_ascii=False, separators=(",", ":"))
        return OFFER_SCHEME + "?" + urlencode({"credential_offer": text})

    @property
    def by_reference(self) -> str:
        """``openid-credential-offer://?credential_offer_uri=…`` (§4.1.3)."""
        return OFFER_SCHEME + "?" + urlencode({"credential_offer_uri": self.offer_uri})
