"""SD-JWT Disclosures and their digests (RFC 9901 §4.2).

- §4.2.1 and §4.2.2: a Disclosure is the base64url encoding of the UTF-8 JSON array
  ``[salt, claim_name, claim_value]`` (an object property) or ``[salt, value]`` (an array
  element). The salt is a string; shikaku's salts carry 128 bits from :mod:`secrets`
  (§9.3 and §4.2.1 "SHOULD be at least 128 bits").
- §4.2.3: the digest is ``base64url(SHA-256(ASCII(disclosure)))``, computed over the
  *encoded* Disclosure exactly as presented, never over a re-encoding of its JSON.
- §4.2.5 (decoys): a decoy digest is the digest of random bytes; it names no Disclosure.
- §9.4 and RFC 6901: :func:`parse_pointer` reads claim paths (``/address/street``,
  ``/nationalities/1``) as tuples of strings; array indexes stay decimal strings.
"""

from __future__ import annotations

import hashlib
import json
import json.encoder
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final

from vc_core.codecs import b64url_decode, b64url_encode
from vc_core.errors import CodecError, InputError, SdJwtError, SelectionError
from vc_core.jose.jws import encode_json, strict_json_loads

__all__ = [
    "SALT_BYTES",
    "SD_ALG",
    "Disclosure",
    "Path",
    "decoy_digest",
    "make_disclosure",
    "new_salt",
    "parse_disclosure",
    "parse_pointer",
    "pointer",
    "sd_digest",
]

#: How :func:`~vc_core.jose.jws.encode_json` (non-ASCII kept) writes a JSON string.
_json_string: Final[Callable[[str], str]] = json.encoder.encode_basestring

#: The only digest algorithm shikaku issues and accepts (§4.1.1; the IANA "sha-256").
SD_ALG: Final = "sha-256"
#: Salt length in bytes (128 bits).
SALT_BYTES: Final = 16

#: A claim path: object member names and array indexes (decimal strings), root first.
Path = tuple[str, ...]


def sd_digest(encoded: str) -> str:
    """§4.2.3: the base64url SHA-256 digest of an encoded Disclosure (or any ASCII text)."""
    return b64url_encode(hashlib.sha256(encoded.encode("ascii")).digest())


def new_salt(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A fresh salt: :data:`SALT_BYTES` random bytes, base64url."""
    return b64url_encode(random_bytes(SALT_BYTES))


def decoy_digest(random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """§4.2.5: a digest that no Disclosure has (the digest of fresh random bytes)."""
    return sd_digest(b64url_encode(random_bytes(SALT_BYTES)))


@dataclass(frozen=True)
class Disclosure:
    """One Disclosure: its encoded form (what is presented), its parts and its digest."""

    encoded: str
    salt: str
    name: str | None
    value: Any
    digest: str

    @property
    def is_array_element(self) -> bool:
        """Whether this discloses an array element (``[salt, value]``)."""
        return self.name is None


def make_disclosure(salt: str, name: str | None, value: Any) -> Disclosure:
    """§4.2.1 / §4.2.2: encode ``[salt, name, value]`` (or ``[salt, value]`` for ``None``)."""
    if type(salt) is str and type(name) in (str, type(None)) and type(value) is str:
        # The common case, strings only: the same bytes as encode_json gives the array.
        parts = (salt, value) if name is None else (salt, name, value)
        text = "[" + ",".join(_json_string(part) for part in parts) + "]"
        encoded = b64url_encode(text.encode("utf-8"))
    else:
        array = [salt, value] if name is None else [salt, name, value]
        encoded = b64url_encode(encode_json(array))
    return Disclosure(encoded, salt, name, value, sd_digest(encoded))


def parse_disclosure(encoded: str) -> Disclosure:
    """Decode one presented Disclosure; ``sdjwt.disclosure_malformed`` when it is not one."""
    if not isinstance(encoded, str) or not encoded:
        raise SdJwtError("sdjwt.disclosure_malformed", "a disclosure is a non-empty string")
    try:
        array = strict_json_loads(b64url_decode(encoded))
    except (CodecError, InputError) as exc:
        raise SdJwtError("sdjwt.disclosure_malformed", f"not base64url JSON ({exc})") from exc
    if not isinstance(array, list) or len(array) not in (2, 3):
        raise SdJwtError("sdjwt.disclosure_malformed", "a disclosure is a 2- or 3-element array")
    salt = array[0]
    if not isinstance(salt, str):
        raise SdJwtError("sdjwt.disclosure_malformed", "the salt must be a string")
    if len(array) == 2:
        return Disclosure(encoded, salt, None, array[1], sd_digest(encoded))
    name = array[1]
    if not isinstance(name, str):
        raise SdJwtError("sdjwt.disclosure_malformed", "the claim name must be a string")
    return Disclosure(encoded, salt, name, array[2], sd_digest(encoded))


def parse_pointer(text: str) -> Path:
    """An RFC 6901 JSON pointer as a :data:`Path`; the root pointer ``""`` is refused."""
    if not isinstance(text, str):
        raise SelectionError(
            "selection.pointer_invalid", f"{str(text)[:80]!r} does not start with '/'"
        )
    return _cached_pointer(text) if len(text) <= _CACHED_POINTER else _parse_pointer(text)


#: Pointers up to this length are cached (an issuer conceals the same few pointers in every
#: credential); longer ones, which no issuer of ours uses, are parsed every time.
_CACHED_POINTER: Final = 200


def _parse_pointer(text: str) -> Path:
    if not text.startswith("/"):
        raise SelectionError(
            "selection.pointer_invalid", f"{str(text)[:80]!r} does not start with '/'"
        )
    segments = []
    for raw in text.split("/")[1:]:
        if "~" in raw and any(raw[i + 1 : i + 2] not in ("0", "1") for i in _tildes(raw)):
            raise SelectionError("selection.pointer_invalid", f"bad escape in {text[:80]!r}")
        segments.append(raw.replace("~1", "/").replace("~0", "~"))
    return tuple(segments)


#: :func:`_parse_pointer`, cached (a malformed pointer raises each time: errors are not cached).
_cached_pointer = lru_cache(maxsize=1024)(_parse_pointer)


def _tildes(text: str) -> list[int]:
    return [i for i, char in enumerate(text) if char == "~"]


def pointer(path: Path) -> str:
    """The RFC 6901 pointer of a :data:`Path`."""
    return "".join("/" + s.replace("~", "~0").replace("/", "~1") for s in path)
