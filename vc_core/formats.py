"""Every securing form shikaku accepts, and :func:`detect_format` to tell them apart by content.

An employer receives bytes and should not have to say what they are. The forms:

=====================  ==========================================================  ========
:class:`Format`        what it is                                                  spec
=====================  ==========================================================  ========
``ldp_vc``             a JSON-LD credential secured with Data Integrity proofs      VC DI 1.0
``ldp_vp``             a JSON-LD presentation secured with Data Integrity proofs    VC DI 1.0
``vc+jwt``             a compact JWS whose payload is a VC 2.0 credential          VC-JOSE
``vp+jwt``             a compact JWS whose payload is a VC 2.0 presentation        VC-JOSE
``vc+sd-jwt``          an SD-JWT whose payload is a VC 2.0 credential              VC-JOSE
``dc+sd-jwt``          an SD-JWT VC (``vct``, ``cnf``), optionally with a KB-JWT    SD-JWT VC
=====================  ==========================================================  ========

The names ``ldp_vc`` and ``dc+sd-jwt`` are the OpenID4VC credential format identifiers.
Detection reads only the shape and the JOSE header ``typ``; nothing is verified here.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from functools import lru_cache
from typing import Any

from vc_core.codecs import b64url_decode
from vc_core.errors import CodecError, CredentialError, InputError
from vc_core.jsonio import loads

__all__ = ["CACHED_HEADER_CHARS", "JOSE_FORMATS", "Format", "detect_format", "jose_typ"]


class Format(StrEnum):
    LDP_VC = "ldp_vc"
    LDP_VP = "ldp_vp"
    VC_JWT = "vc+jwt"
    VP_JWT = "vp+jwt"
    VC_SD_JWT = "vc+sd-jwt"
    DC_SD_JWT = "dc+sd-jwt"

    @property
    def is_presentation(self) -> bool:
        """Whether the holder proves possession in the form itself (VP, or SD-JWT+KB)."""
        return self in (Format.LDP_VP, Format.VP_JWT)


JOSE_FORMATS = frozenset({Format.VC_JWT, Format.VP_JWT, Format.VC_SD_JWT, Format.DC_SD_JWT})

_TYPES = {f.value: f for f in JOSE_FORMATS}


#: The longest encoded JOSE header whose ``typ`` is kept (:func:`jose_typ`): real headers
#: are a few hundred characters (one with an ``x5c`` chain a few thousand); keeping longer
#: ones would let a caller fill 512 entries with megabyte headers.
CACHED_HEADER_CHARS = 4096


def jose_typ(compact_jws: str) -> str | None:
    """The ``typ`` of a compact JWS header, normalised (RFC 7515 §4.1.9), or None."""
    segment = compact_jws.split(".", 1)[0]
    if len(segment) > CACHED_HEADER_CHARS:
        return _parse_typ(segment)
    return _header_typ(segment)


@lru_cache(maxsize=512)
def _header_typ(segment: str) -> str | None:
    """:func:`jose_typ` of one encoded header. Headers repeat — every credential one board
    signs with one key, every KB-JWT of one algorithm — and a presentation's form is asked
    for more than once on its way (the HTTP route, the pipeline), so a parse is kept."""
    return _parse_typ(segment)


def _parse_typ(segment: str) -> str | None:
    try:
        header = loads(b64url_decode(segment), where="the JOSE header")
    except (CodecError, InputError):
        return None
    typ = header.get("typ") if isinstance(header, dict) else None
    if not isinstance(typ, str):
        return None
    return typ.lower().removeprefix("application/")


def detect_format(value: str | Mapping[str, Any]) -> Format:
    """The form of ``value`` (text, or already parsed JSON), else ``credential.malformed``.

    Text that starts like JSON is read by :func:`vc_core.jsonio.loads`, so JSON that is not
    strict or over a limit raises its own ``input.*`` code.

    A JSON object with ``@context`` is Data Integrity: a presentation when its ``type`` names
    ``VerifiablePresentation``, else a credential. A JSON object with ``payload`` is the JWS
    JSON serialization of an SD-JWT (RFC 9901 §8). Text with ``~`` is a compact SD-JWT; a
    compact JWS has three dot-separated parts. The JOSE forms are told apart by ``typ``.
    """
    if isinstance(value, Mapping):
        return _from_json(value)
    stripped = value.strip()
    if stripped.startswith("{"):
        document = loads(stripped)
        if not isinstance(document, Mapping):
            raise CredentialError("credential.malformed", "the input is not a JSON object")
        return _from_json(document)
    jwt = stripped.split("~", 1)[0] if "~" in stripped else stripped
    if jwt.count(".") != 2:
        raise CredentialError("credential.malformed", "not a JWS, an SD-JWT or JSON")
    return _from_typ(jose_typ(jwt), sd_jwt="~" in stripped)


def _from_json(document: Mapping[str, Any]) -> Format:
    if "@context" in document:
        types = document.get("type")
        names = [types] if isinstance(types, str) else types if isinstance(types, list) else []
        return Format.LDP_VP if "VerifiablePresentation" in names else Format.LDP_VC
    if ("payload" in document and "protected" in document) or "signatures" in document:
        protected = document.get("protected")
        if not isinstance(protected, str) and isinstance(document.get("signatures"), list):
            first = document["signatures"][0] if document["signatures"] else {}
            protected = first.get("protected") if isinstance(first, Mapping) else None
        if isinstance(protected, str):
            return _from_typ(jose_typ(protected + ".."), sd_jwt=True)
    raise CredentialError("credential.malformed", "a JSON object that is no credential form")


def _from_typ(typ: str | None, *, sd_jwt: bool) -> Format:
    found = _TYPES.get(typ or "")
    if found is None:
        raise CredentialError(
            "credential.malformed", f"typ {str(typ)[:40]!r} is not a form we know"
        )
    if sd_jwt and found in (Format.VC_JWT, Format.VP_JWT):
        raise CredentialError("credential.malformed", f"a {found} carries no disclosures")
    return found
