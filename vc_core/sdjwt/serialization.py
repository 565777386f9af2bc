"""SD-JWT serializations: compact (RFC 9901 §4) and JWS JSON (RFC 9901 §8).

- §4: ``<Issuer-signed JWT>~<Disclosure 1>~…~<Disclosure N>~<KB-JWT>``, where the KB-JWT is
  empty when there is none, so an SD-JWT without key binding always ends with ``~``.
- §4.3.1 ``sd_hash``: the base64url SHA-256 of the SD-JWT as presented up to and including
  the last ``~`` before the KB-JWT (:meth:`SdJwt.sd_hash`).
- §8.1–8.2: the JWS JSON Serialization, flattened or general, carries ``disclosures`` and
  ``kb_jwt`` in the unprotected ``header``; with general serialization only the first
  signature's header carries them, and the first signature is the one whose compact form
  enters ``sd_hash`` (§8.3). Further signatures are kept so that each can be verified.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from vc_core.codecs import b64url_encode
from vc_core.errors import InputError, SdJwtError
from vc_core.jose.jws import encode_json
from vc_core.jsonio import loads
from vc_core.keys import Signer
from vc_core.sdjwt.disclosure import sd_digest

__all__ = ["SdJwt", "co_sign", "parse_sd_jwt", "to_json_serialization"]


@dataclass(frozen=True)
class SdJwt:
    """An SD-JWT (or SD-JWT+KB) as presented: the issuer JWT, the Disclosures, the KB-JWT.

    ``jwt`` is the compact Issuer-signed JWT; ``other_signatures`` holds the compact forms of
    any further signatures of a general JSON serialization (same payload).
    """

    jwt: str
    disclosures: tuple[str, ...] = ()
    kb_jwt: str | None = None
    other_signatures: tuple[str, ...] = ()

    def compact(self) -> str:
        """§4: the compact serialization (``~``-separated, ending in ``~`` or the KB-JWT)."""
        return self.sd_hash_input() + (self.kb_jwt or "")

    def sd_hash_input(self) -> str:
        """§4.3.1: the characters ``sd_hash`` is computed over."""
        return self.jwt + "~" + "".join(d + "~" for d in self.disclosures)

    def sd_hash(self) -> str:
        """§4.3.1: ``base64url(SHA-256(sd_hash_input))``."""
        return sd_digest(self.sd_hash_input())

    def without_key_binding(self) -> SdJwt:
        """This SD-JWT without its KB-JWT."""
        return replace(self, kb_jwt=None)

    def with_disclosures(self, disclosures: Sequence[str]) -> SdJwt:
        """The same issuer JWT with other Disclosures and no KB-JWT."""
        return replace(self, disclosures=tuple(disclosures), kb_jwt=None)


def _malformed(why: str) -> SdJwtError:
    return SdJwtError("sdjwt.malformed", why)


def parse_sd_jwt(text: str | Mapping[str, Any]) -> SdJwt:
    """Parse a compact SD-JWT(+KB), or a JWS JSON serialization (text or parsed object)."""
    if isinstance(text, Mapping):
        return _from_json(text)
    if not isinstance(text, str):
        raise _malformed("an SD-JWT is text")
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            document = loads(stripped, where="the SD-JWT JSON serialization")
        except InputError as exc:
            raise _malformed(f"the JSON serialization is not JSON ({exc})") from exc
        if not isinstance(document, dict):
            raise _malformed("the JSON serialization is not an object")
        return _from_json(document)
    if "~" not in stripped:
        raise _malformed("an SD-JWT has at least one '~' after the issuer JWT")
    parts = stripped.split("~")
    jwt, disclosures, kb_jwt = parts[0], parts[1:-1], parts[-1]
    if not jwt or any(not d for d in disclosures):
        raise _malformed("an SD-JWT has no empty component before the KB-JWT")
    return SdJwt(jwt, tuple(disclosures), kb_jwt or None)


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise _malformed(f"{what} must be a non-empty string")
    return value


def _header_members(header: Any) -> tuple[tuple[str, ...], str | None]:
    if header is None:
        return (), None
    if not isinstance(header, Mapping):
        raise _malformed("the unprotected header must be an object")
    raw = header.get("disclosures", [])
    if not isinstance(raw, list):
        raise _malformed("header.disclosures must be an array")
    disclosures = tuple(_string(d, "a disclosure") for d in raw)
    kb_jwt = header.get("kb_jwt")
    return disclosures, None if kb_jwt is None else _string(kb_jwt, "header.kb_jwt")


def _from_json(document: Mapping[str, Any]) -> SdJwt:
    payload = _string(document.get("payload"), "payload")
    if "signatures" in document:
        signatures = document["signatures"]
        if not isinstance(signatures, list) or not signatures:
            raise _malformed("signatures must be a non-empty array")
        entries = [s if isinstance(s, Mapping) else {} for s in signatures]
        for later in entries[1:]:
            header = later.get("header")
            if isinstance(header, Mapping) and ("disclosures" in header or "kb_jwt" in header):
                raise _malformed("only the first signature's header may carry disclosures")
    else:
        entries = [document]
    compacts = [
        f"{_string(e.get('protected'), 'protected')}.{payload}."
        f"{_string(e.get('signature'), 'signature')}"
        for e in entries
    ]
    disclosures, kb_jwt = _header_members(entries[0].get("header"))
    return SdJwt(compacts[0], disclosures, kb_jwt, tuple(compacts[1:]))


def to_json_serialization(
    sd_jwt: SdJwt, *, general: bool = False, header: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """§8: the flattened (default) or general JWS JSON serialization of ``sd_jwt``.

    ``header`` adds unprotected header members (a ``kid``) beside ``disclosures``.
    """
    protected, payload, signature = sd_jwt.jwt.split(".")
    unprotected: dict[str, Any] = {"disclosures": list(sd_jwt.disclosures), **(header or {})}
    if sd_jwt.kb_jwt is not None:
        unprotected["kb_jwt"] = sd_jwt.kb_jwt
    first = {"header": unprotected, "protected": protected, "signature": signature}
    if not general:
        return {"payload": payload, **first}
    signatures = [first]
    for other in sd_jwt.other_signatures:
        other_protected, _payload, other_signature = other.split(".")
        signatures.append({"protected": other_protected, "signature": other_signature})
    return {"payload": payload, "signatures": signatures}


def co_sign(
    document: Mapping[str, Any],
    signer: Signer,
    *,
    protected: Mapping[str, Any],
    header: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """§8.2: add a signature by ``signer`` to a general JSON serialization (same payload)."""
    if "signatures" not in document:
        raise _malformed("only a general JSON serialization takes more signatures")
    protected_b64 = b64url_encode(encode_json({"alg": signer.algorithm, **protected}))
    signing_input = f"{protected_b64}.{document['payload']}".encode("ascii")
    entry: dict[str, Any] = {
        "protected": protected_b64,
        "signature": b64url_encode(signer.sign(signing_input)),
    }
    if header:
        entry["header"] = dict(header)
    return {**document, "signatures": [*document["signatures"], entry]}
