"""Verifiable Credentials Data Model 2.0 rules a credential must meet (VCDM 2.0 §4, §5).

:func:`validate_credential` raises the first violation as a
:class:`~vc_core.errors.CredentialError`; :func:`credential_problems` lists
them all. Time is a parameter. What needs the network (fetching a related
resource) is the caller's: :func:`check_related_resource` takes the bytes (or the
resource's known digests), and :func:`check_related_resources` asks a ``retrieve``
function for each entry's.

Rules checked:

- ``@context`` is a list whose first item is the VC 2.0 context (§4.3) — or, for a VC 1.1
  credential (which verifiers and the W3C suites still meet), the VC 1.1 context, and then
  its validity members are VC 1.1's: ``issuanceDate`` (required) and ``expirationDate``.
- ``type`` includes ``VerifiableCredential`` (§4.5).
- ``issuer`` is a URL or an object with a URL ``id`` (§4.7).
- ``credentialSubject`` is an object or a non-empty list of objects (§4.8).
- ``validFrom`` / ``validUntil`` are dateTimeStamps, in order, and bracket
  ``now`` when a time is given (§4.9). A dateTimeStamp must name a real instant
  (no 30 February, no hour 25) whose UTC time falls in the years 1 to 9999, the range
  every verifier can represent; :func:`check_validity_dates` applies this when signing.
- ``credentialStatus`` entries have a ``type``; a ``BitstringStatusListEntry``
  has ``statusPurpose``, a numeric-string ``statusListIndex`` and a URL
  ``statusListCredential`` (§4.10; Bitstring Status List §2.1).
- ``credentialSchema``, ``refreshService``, ``termsOfUse`` and ``evidence`` entries have a
  ``type`` (and an ``id`` for schemas) (§4.11, §5.4, §5.5, §5.6).
- ``relatedResource`` entries have an ``id`` and a ``digestSRI`` or
  ``digestMultibase``, ids unique (§5.3); the digests of a resource whose digests shikaku
  pins (the VC 2.0 base context, :func:`~vc_core.jsonld.loader.published_digests`) match.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from vc_core.codecs import multibase_decode
from vc_core.errors import CodecError, CredentialError
from vc_core.jsonld.loader import CREDENTIALS_V1, CREDENTIALS_V2, published_digests

__all__ = [
    "check_related_resource",
    "check_related_resources",
    "check_validity_dates",
    "credential_problems",
    "datetime_stamp",
    "is_vc11",
    "presentation_problems",
    "validate_credential",
]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+\-.]*:\S+$")
_DATETIME = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_SRI_HASHES = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
# Multihash codes for digestMultibase: sha2-256, sha2-384, sha2-512, sha3-256.
_MULTIHASH = {0x12: "sha256", 0x20: "sha384", 0x13: "sha512", 0x16: "sha3_256"}


_VALIDITY = ("validFrom", "validUntil")


def _is_url(value: Any) -> bool:
    return isinstance(value, str) and _URL.match(value) is not None


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def datetime_stamp(value: Any) -> datetime | None:
    """``value`` as an aware datetime if it is an XML Schema dateTimeStamp naming a real
    instant whose UTC time lies in the years 1 to 9999; else None."""
    if not isinstance(value, str) or _DATETIME.match(value) is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment


def _parse_time(value: Any, member: str) -> datetime:
    moment = datetime_stamp(value)
    if moment is None:
        shown = str(value)[:40]
        raise CredentialError(
            "credential.validity_invalid", f"{member} {shown!r} is not a dateTimeStamp in range"
        )
    return moment


def check_validity_dates(document: Mapping[str, Any]) -> None:
    """Refuse ``validFrom``/``validUntil`` that are not dateTimeStamps in range, or out of
    order (``credential.validity_invalid``): what no verifier would accept is never signed."""
    _validity(document, None)


def credential_problems(credential: Any, *, now: datetime | None = None) -> list[CredentialError]:
    """Every VCDM 2.0 rule ``credential`` breaks (empty when it meets them all)."""
    if not isinstance(credential, Mapping):
        return [CredentialError("credential.malformed", "a credential is a JSON object")]
    problems: list[CredentialError] = []
    for check in (_context, _type, _issuer, _subject, _status, _typed_entries, _related):
        try:
            check(credential)
        except CredentialError as exc:
            problems.append(exc)
    try:
        _validity(credential, now)
    except CredentialError as exc:
        problems.append(exc)
    return problems


def validate_credential(credential: Any, *, now: datetime | None = None) -> None:
    """Raise the first VCDM 2.0 rule ``credential`` breaks."""
    problems = credential_problems(credential, now=now)
    if problems:
        raise problems[0]


def presentation_problems(presentation: Any) -> list[CredentialError]:
    """The VCDM 2.0 rules of a presentation itself (§4.13): ``@context`` as a credential's,
    ``type`` naming ``VerifiablePresentation``, an ``id`` and a ``holder`` that are URLs."""
    if not isinstance(presentation, Mapping):
        return [CredentialError("credential.malformed", "a presentation is a JSON object")]
    problems: list[CredentialError] = []
    try:
        _context(presentation)
    except CredentialError as exc:
        problems.append(exc)
    types = _as_list(presentation.get("type"))
    if "VerifiablePresentation" not in types or not all(isinstance(t, str) for t in types):
        problems.append(
            CredentialError("credential.type_invalid", "a presentation is a VerifiablePresentation")
        )
    for member in ("id", "holder"):
        value = presentation.get(member)
        holder_id = value.get("id") if member == "holder" and isinstance(value, dict) else value
        if member in presentation and not _is_url(holder_id):
            problems.append(
                CredentialError("credential.malformed", f"a presentation's {member} is a URL")
            )
    return problems


def is_vc11(document: Mapping[str, Any]) -> bool:
    """True for a VC 1.1 document: its ``@context`` starts with the VC 1.1 context."""
    context = document.get("@context")
    return isinstance(context, list) and bool(context) and context[0] == CREDENTIALS_V1


def _context(credential: Mapping[str, Any]) -> None:
    context = credential.get("@context")
    if (
        not isinstance(context, list)
        or not context
        or context[0]
        not in (
            CREDENTIALS_V2,
            CREDENTIALS_V1,
        )
    ):
        raise CredentialError(
            "credential.context_invalid", f"@context must be a list starting with {CREDENTIALS_V2}"
        )
    for item in context[1:]:
        if not (_is_url(item) or isinstance(item, dict)):
            raise CredentialError(
                "credential.context_invalid", "@context items are URLs or objects"
            )


def _type(credential: Mapping[str, Any]) -> None:
    types = _as_list(credential.get("type"))
    if "VerifiableCredential" not in types or not all(isinstance(t, str) for t in types):
        raise CredentialError("credential.type_invalid")


def _issuer(credential: Mapping[str, Any]) -> None:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not _is_url(issuer_id):
        raise CredentialError("credential.issuer_invalid")


def _subject(credential: Mapping[str, Any]) -> None:
    subject = credential.get("credentialSubject")
    subjects = _as_list(subject)
    if subject is None or not subjects or not all(isinstance(s, dict) and s for s in subjects):
        raise CredentialError("credential.subject_missing")


def _validity(credential: Mapping[str, Any], now: datetime | None) -> None:
    first, last = ("issuanceDate", "expirationDate") if is_vc11(credential) else _VALIDITY
    if first == "issuanceDate" and "issuanceDate" not in credential:
        raise CredentialError(
            "credential.validity_invalid", "a VC 1.1 credential needs issuanceDate"
        )
    valid_from = credential.get(first)
    valid_until = credential.get(last)
    start = _parse_time(valid_from, first) if valid_from is not None else None
    end = _parse_time(valid_until, last) if valid_until is not None else None
    if start is not None and end is not None and end < start:
        raise CredentialError("credential.validity_invalid", f"{last} is before {first}")
    if now is not None:
        if start is not None and now < start:
            raise CredentialError("credential.not_yet_valid")
        if end is not None and now > end:
            raise CredentialError("credential.expired")


def _status(credential: Mapping[str, Any]) -> None:
    if "credentialStatus" not in credential:
        return
    for entry in _as_list(credential["credentialStatus"]):
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            raise CredentialError("credential.status_invalid", "a status entry needs a type")
        if "id" in entry and not _is_url(entry["id"]):
            raise CredentialError("credential.status_invalid", "a status entry id is a URL")
        if entry["type"] == "BitstringStatusListEntry":
            index = entry.get("statusListIndex")
            if not isinstance(entry.get("statusPurpose"), str):
                raise CredentialError("credential.status_invalid", "statusPurpose is missing")
            if not (isinstance(index, str) and index.isdigit()):
                raise CredentialError(
                    "credential.status_invalid", "statusListIndex is a string of digits"
                )
            if not _is_url(entry.get("statusListCredential")):
                raise CredentialError(
                    "credential.status_invalid", "statusListCredential must be a URL"
                )


def _typed_entries(credential: Mapping[str, Any]) -> None:
    for member in ("credentialSchema", "refreshService", "termsOfUse", "evidence"):
        if member not in credential:
            continue
        for entry in _as_list(credential[member]):
            if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
                raise CredentialError("credential.entry_type_missing", f"{member} needs a type")
            if member == "credentialSchema" and not _is_url(entry.get("id")):
                raise CredentialError(
                    "credential.entry_type_missing", "credentialSchema needs an id"
                )


def _related(credential: Mapping[str, Any]) -> None:
    if "relatedResource" not in credential:
        return
    seen: set[str] = set()
    for entry in _as_list(credential["relatedResource"]):
        if not isinstance(entry, dict) or not _is_url(entry.get("id")):
            raise CredentialError("credential.related_resource_invalid", "an entry needs an id")
        if entry["id"] in seen:
            raise CredentialError("credential.related_resource_invalid", "ids must be unique")
        seen.add(entry["id"])
        if "digestSRI" not in entry and "digestMultibase" not in entry:
            raise CredentialError(
                "credential.related_resource_invalid", "an entry needs digestSRI or digestMultibase"
            )
        # A resource whose published digests shikaku pins (the VC 2.0 base context) is one
        # it uses, so its digest is checked here, offline (VCDM 2.0 §5.3); others are the
        # caller's.
        pinned = published_digests(entry["id"])
        if pinned is not None:
            check_related_resource(entry, pinned)


#: A related resource as the caller has it: its bytes, or its digests by hashlib name.
Resource = bytes | Mapping[str, bytes]


def check_related_resource(entry: Mapping[str, Any], content: Resource) -> None:
    """Check a ``relatedResource`` entry's digests (VCDM 2.0 §5.3) against ``content``: the
    fetched bytes, or the resource's known digests by hashlib name.

    Every digest the entry gives must match; raises ``credential.related_resource_mismatch``
    or ``credential.related_resource_invalid``, and ``credential.related_resource_unverifiable``
    for a digest in a hash whose value for this resource is not known.
    """
    checked = False
    sri = entry.get("digestSRI")
    if sri is not None:
        algorithm, _, encoded = str(sri).partition("-")
        name = _SRI_HASHES.get(algorithm)
        if name is None or not encoded:
            raise CredentialError("credential.related_resource_invalid", "unsupported digestSRI")
        digest = base64.b64encode(_digest(content, name, entry)).decode()
        if digest != encoded:
            raise CredentialError("credential.related_resource_mismatch", f"{entry.get('id')}")
        checked = True
    multibase = entry.get("digestMultibase")
    if multibase is not None:
        try:
            raw = multibase_decode(str(multibase))
        except CodecError as exc:
            raise CredentialError(
                "credential.related_resource_invalid", "digestMultibase is not multibase"
            ) from exc
        name, expected = _multibase_digest(raw)
        if _digest(content, name, entry) != expected:
            raise CredentialError("credential.related_resource_mismatch", f"{entry.get('id')}")
        checked = True
    if not checked:
        raise CredentialError("credential.related_resource_invalid", "no digest to check")


def _digest(content: Resource, name: str, entry: Mapping[str, Any]) -> bytes:
    if isinstance(content, bytes):
        return hashlib.new(name, content).digest()
    known = content.get(name)
    if known is None:
        raise CredentialError(
            "credential.related_resource_unverifiable",
            f"{str(entry.get('id'))[:200]}: its {name} digest is not known here",
        )
    return known


def _multibase_digest(raw: bytes) -> tuple[str, bytes]:
    """The hash and digest a decoded ``digestMultibase`` names: a multihash (Data Integrity
    §2.6), or 32 bare bytes, a SHA2-256 digest, as VCDM 2.0's example of the property and
    the W3C VC 2.0 suite write it. No supported multihash is 32 bytes long (a 30-byte digest),
    so the two readings never meet."""
    if len(raw) == 32:
        return "sha256", raw
    name = _MULTIHASH.get(raw[0]) if len(raw) > 2 else None
    if name is None or raw[1] != len(raw) - 2 or hashlib.new(name).digest_size != raw[1]:
        raise CredentialError(
            "credential.related_resource_invalid", "digestMultibase is not a multihash"
        )
    return name, raw[2:]


def check_related_resources(
    credential: Mapping[str, Any], retrieve: Callable[[str], Resource | None]
) -> None:
    """Check every ``relatedResource`` digest against what ``retrieve(id)`` gives (the
    resource's bytes or its known digests); a resource whose digests shikaku pins is checked
    against those, once, and not asked of ``retrieve``.

    An entry whose resource ``retrieve`` cannot give (None) raises
    ``credential.related_resource_unverifiable``: a digest that cannot be checked is never
    taken as matching. Entries are first held to their shape (:func:`validate_credential`'s
    rules for ``relatedResource``).
    """
    _related(credential)  # Also checks the entries of resources whose digests are pinned.
    for entry in _as_list(credential.get("relatedResource", [])):
        if published_digests(entry["id"]) is not None:
            continue
        content = retrieve(entry["id"])
        if content is None:
            raise CredentialError(
                "credential.related_resource_unverifiable", f"{entry['id'][:200]} not retrievable"
            )
        check_related_resource(entry, content)
