"""W3C Bitstring Status List v1.0: the encoded list, status entries and status-list credentials.

- §2.1 BitstringStatusListEntry: :class:`BitstringStatusListEntry` parses and writes the
  ``credentialStatus`` entry (``statusListIndex`` is a base-10 string; ``statusSize`` defaults
  to 1; ``statusMessage`` has 2**statusSize items and is required when statusSize > 1).
- §2.2 BitstringStatusListCredential: :func:`build_status_list_credential` writes the unsigned
  credential and :func:`parse_status_list_credential` reads one (``ttl`` is in milliseconds and
  defaults to 300,000).
- §3.3 Bitstring Generation and §3.4 Bitstring Expansion: :func:`encode_list` and
  :func:`decode_list` — GZIP (RFC 1952), then multibase ``u`` (base64url, no padding); entry 0
  is the left-most bit (``"msb"`` order, see :mod:`vc_core.status.bits`).
- §3.2 Validate Algorithm, step 9: a list holding fewer than :data:`MIN_ENTRIES` entries of its
  statusSize raises ``status.list_too_short`` (STATUS_LIST_LENGTH_ERROR); step 10's RANGE_ERROR
  is ``status.index_out_of_range``.

Signing and verifying the credential's Data Integrity proof is not done here: see
:mod:`vc_core.di`. This module only shapes and checks the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vc_core.codecs import multibase_decode, multibase_encode
from vc_core.errors import CodecError, CredentialError, StatusError
from vc_core.status._deflate import COMPRESSION_LEVEL, GZIP, deflate, inflate
from vc_core.status.bits import MAX_LIST_BYTES, PackedStatusList

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TTL_MS",
    "MIN_ENTRIES",
    "STATUS_PURPOSES",
    "VALID_FROM_LEEWAY",
    "BitstringStatusListCredential",
    "BitstringStatusListEntry",
    "StatusMessage",
    "build_status_list_credential",
    "decode_list",
    "encode_list",
    "format_datetime",
    "issuer_id",
    "new_list",
    "parse_datetime",
    "parse_status_list_credential",
    "status_entries",
]

#: §3.2 step 2: the minimum number of entries, for herd privacy (16 KB of 1-bit entries).
MIN_ENTRIES = 131_072
#: §2.2 ``ttl``: the time to live when a list gives none, in milliseconds.
DEFAULT_TTL_MS = 300_000
#: How far a list's ``validFrom`` may lie ahead of the verifier's clock: a board signs a
#: list when it is first asked for after a change, often while the verification that asked
#: is under way, and machines' clocks differ by a little. The IETF Status List Token allows
#: the same 60 seconds on its ``iat`` (:meth:`vc_core.status.token.StatusListToken.check_time`).
#: ``validUntil`` gets none: a list past it is never used.
VALID_FROM_LEEWAY = timedelta(seconds=60)
#: The largest expanded list we accept: 16 MiB holds 16 million 8-bit entries.
DEFAULT_MAX_BYTES = MAX_LIST_BYTES
#: The purposes §2.1 defines; other strings are allowed by the spec and kept as given.
STATUS_PURPOSES = ("revocation", "suspension", "message")

_CREDENTIAL_TYPE = "BitstringStatusListCredential"
_SUBJECT_TYPE = "BitstringStatusList"
_ENTRY_TYPE = "BitstringStatusListEntry"
_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"


def new_list(size: int = MIN_ENTRIES, status_size: int = 1) -> PackedStatusList:
    """An all-zero list in the W3C layout."""
    if size < MIN_ENTRIES:
        raise StatusError("status.list_too_short", f"{size} entries; the minimum is {MIN_ENTRIES}")
    if size % 8:
        raise StatusError("status.list_malformed", "the size must be a multiple of 8 entries")
    return PackedStatusList(size, status_size, order="msb")


def encode_list(packed: PackedStatusList, *, level: int = COMPRESSION_LEVEL) -> str:
    """§3.3 step 3: GZIP, then multibase base64url: the ``encodedList`` value."""
    if packed.order != "msb":
        packed = packed.reordered("msb")
    return multibase_encode(deflate(packed.to_bytes(), GZIP, level), "u")


def decode_list(
    encoded_list: str,
    *,
    status_size: int = 1,
    min_entries: int = MIN_ENTRIES,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> PackedStatusList:
    """§3.4 then §3.2 step 9: expand ``encodedList`` and check it holds enough entries."""
    try:
        compressed = multibase_decode(encoded_list, expect="u")
    except CodecError as exc:
        raise StatusError(
            "status.list_malformed", "encodedList is not multibase base64url ('u')"
        ) from exc
    packed = PackedStatusList.from_bytes(inflate(compressed, GZIP, max_bytes), status_size)
    if packed.size < min_entries:
        raise StatusError(
            "status.list_too_short",
            f"the list holds {packed.size} entries of {status_size} bit(s); "
            f"the minimum is {min_entries}",
        )
    return packed


def format_datetime(moment: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC to the second, as VC 2.0 examples write it."""
    if moment.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_datetime(value: Any, what: str) -> datetime:
    """A timezone-aware datetime from a dateTimeStamp string; ``status.list_malformed`` if not."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if moment.tzinfo is not None:
                return moment
    raise StatusError("status.list_malformed", f"{what} is not a dateTimeStamp with a time zone")


def issuer_id(credential: Any) -> str:
    """The issuer of a credential: the ``issuer`` string, or the ``id`` of an issuer object."""
    issuer = credential.get("issuer") if isinstance(credential, dict) else None
    if isinstance(issuer, dict):
        issuer = issuer.get("id")
    if not isinstance(issuer, str) or not issuer:
        raise CredentialError("credential.issuer_invalid")
    return issuer


@dataclass(frozen=True)
class StatusMessage:
    """One ``statusMessage`` item: a status value and its (developer-facing) message."""

    status: int
    message: str

    def to_json(self) -> dict[str, str]:
        return {"status": hex(self.status), "message": self.message}


@dataclass(frozen=True)
class BitstringStatusListEntry:
    """A ``credentialStatus`` entry of type BitstringStatusListEntry (§2.1)."""

    status_purpose: str
    status_list_index: int
    status_list_credential: str
    status_size: int = 1
    status_message: tuple[StatusMessage, ...] = ()
    id: str | None = None
    status_reference: str | None = None

    def __post_init__(self) -> None:
        if self.status_list_index < 0:
            raise CredentialError("credential.status_invalid", "statusListIndex is negative")
        if not 1 <= self.status_size <= 8:
            raise StatusError("status.bits_unsupported", "statusSize must be 1 to 8")
        if self.status_size > 1 and not self.status_message:
            raise CredentialError(
                "credential.status_invalid", "statusMessage is required when statusSize > 1"
            )
        if self.status_message and len(self.status_message) != 2**self.status_size:
            raise CredentialError(
                "credential.status_invalid",
                f"statusMessage needs {2**self.status_size} items for statusSize "
                f"{self.status_size}",
            )

    def message_for(self, status: int) -> str | None:
        """The message the issuer committed to for ``status``, if it gave messages."""
        for item in self.status_message:
            if item.status == status:
                return item.message
        return None

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = {}
        if self.id is not None:
            entry["id"] = self.id
        entry |= {
            "type": _ENTRY_TYPE,
            "statusPurpose": self.status_purpose,
            "statusListIndex": str(self.status_list_index),
            "statusListCredential": self.status_list_credential,
        }
        if self.status_size != 1:
            entry["statusSize"] = self.status_size
        if self.status_message:
            entry["statusMessage"] = [item.to_json() for item in self.status_message]
        if self.status_reference is not None:
            entry["statusReference"] = self.status_reference
        return entry

    @classmethod
    def from_json(cls, entry: Any) -> BitstringStatusListEntry:
        """Parse one entry; anything misshaped is ``credential.status_invalid``."""

        def bad(why: str) -> CredentialError:
            return CredentialError("credential.status_invalid", why)

        if not isinstance(entry, dict) or entry.get("type") != _ENTRY_TYPE:
            raise bad("the entry is not a BitstringStatusListEntry")
        purpose = entry.get("statusPurpose")
        index = entry.get("statusListIndex")
        url = entry.get("statusListCredential")
        size = entry.get("statusSize", 1)
        if not isinstance(purpose, str) or not purpose:
            raise bad("statusPurpose must be a string")
        if not isinstance(index, str) or not index.isascii() or not index.isdigit():
            raise bad("statusListIndex must be a base-10 integer string")
        if not isinstance(url, str) or not url:
            raise bad("statusListCredential must be a URL")
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise bad("statusSize must be a positive integer")
        messages = entry.get("statusMessage", [])
        if not isinstance(messages, list):
            raise bad("statusMessage must be an array")
        parsed: list[StatusMessage] = []
        for item in messages:
            if not isinstance(item, dict):
                raise bad("statusMessage items must be objects")
            status, message = item.get("status"), item.get("message")
            if not isinstance(status, str) or not status.startswith("0x"):
                raise bad("statusMessage status must be a 0x-prefixed hexadecimal string")
            if not isinstance(message, str):
                raise bad("statusMessage message must be a string")
            try:
                value = int(status[2:], 16)
            except ValueError as exc:
                raise bad("statusMessage status must be hexadecimal") from exc
            parsed.append(StatusMessage(value, message))
        reference = entry.get("statusReference")
        entry_id = entry.get("id")
        return cls(
            status_purpose=purpose,
            status_list_index=int(index),
            status_list_credential=url,
            status_size=size,
            status_message=tuple(parsed),
            id=entry_id if isinstance(entry_id, str) else None,
            status_reference=reference if isinstance(reference, str) else None,
        )


def status_entries(credential: Any) -> list[BitstringStatusListEntry]:
    """Every BitstringStatusListEntry of a credential's ``credentialStatus`` (one or a list).

    Entries of other types are skipped: another status mechanism is not ours to judge.
    """
    status = credential.get("credentialStatus") if isinstance(credential, dict) else None
    if status is None:
        return []
    items = status if isinstance(status, list) else [status]
    return [
        BitstringStatusListEntry.from_json(item)
        for item in items
        if not isinstance(item, dict) or item.get("type") == _ENTRY_TYPE
    ]


@dataclass(frozen=True)
class BitstringStatusListCredential:
    """The facts of a BitstringStatusListCredential a verifier needs (§2.2)."""

    id: str | None
    issuer: str
    status_purposes: tuple[str, ...]
    encoded_list: str
    ttl_ms: int = DEFAULT_TTL_MS
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    document: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def decode(
        self,
        status_size: int = 1,
        *,
        min_entries: int = MIN_ENTRIES,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> PackedStatusList:
        return decode_list(
            self.encoded_list, status_size=status_size, min_entries=min_entries, max_bytes=max_bytes
        )

    def check_validity(self, now: datetime) -> None:
        """Raise ``status.list_expired`` unless ``now`` is within validFrom..validUntil
        (validFrom up to :data:`VALID_FROM_LEEWAY` ahead)."""
        if self.valid_from is not None and now + VALID_FROM_LEEWAY < self.valid_from:
            raise StatusError("status.list_expired", "the status list is not valid yet")
        if self.valid_until is not None and now >= self.valid_until:
            raise StatusError("status.list_expired", "the status list's validUntil has passed")


def build_status_list_credential(
    *,
    id: str,
    issuer: str,
    status_purpose: str,
    packed: PackedStatusList,
    valid_from: datetime,
    valid_until: datetime | None = None,
    ttl_ms: int | None = None,
    level: int = COMPRESSION_LEVEL,
) -> dict[str, Any]:
    """§3.1 Generate Algorithm steps 2–4: the unsigned credential, ready for a proof (step 5)."""
    subject: dict[str, Any] = {
        "id": f"{id}#list",
        "type": _SUBJECT_TYPE,
        "statusPurpose": status_purpose,
        "encodedList": encode_list(packed, level=level),
    }
    if ttl_ms is not None:
        subject["ttl"] = ttl_ms
    credential: dict[str, Any] = {
        "@context": [_V2_CONTEXT],
        "id": id,
        "type": ["VerifiableCredential", _CREDENTIAL_TYPE],
        "issuer": issuer,
        "validFrom": format_datetime(valid_from),
    }
    if valid_until is not None:
        credential["validUntil"] = format_datetime(valid_until)
    credential["credentialSubject"] = subject
    return credential


def parse_status_list_credential(document: Any) -> BitstringStatusListCredential:
    """Read a BitstringStatusListCredential's shape; ``status.list_malformed`` if it is not one.

    This checks structure only. The caller verifies the proof and the issuer.
    """

    def bad(why: str) -> StatusError:
        return StatusError("status.list_malformed", why)

    if not isinstance(document, dict):
        raise bad("a status list credential is a JSON object")
    types = document.get("type")
    if not isinstance(types, list) or _CREDENTIAL_TYPE not in types:
        raise bad("type does not include BitstringStatusListCredential")
    subject = document.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != _SUBJECT_TYPE:
        raise bad("credentialSubject is not a BitstringStatusList")
    purposes = subject.get("statusPurpose")
    purpose_list = [purposes] if isinstance(purposes, str) else purposes
    if not isinstance(purpose_list, list) or not purpose_list:
        raise bad("statusPurpose must be a string or a list of strings")
    if not all(isinstance(p, str) and p for p in purpose_list):
        raise bad("statusPurpose must be a string or a list of strings")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise bad("encodedList must be a string")
    ttl = subject.get("ttl", DEFAULT_TTL_MS)
    if isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0:
        raise bad("ttl must be a non-negative number of milliseconds")
    try:
        issuer = issuer_id(document)
    except CredentialError as exc:
        raise bad("issuer must be a URL or an object with an id") from exc
    valid_from = document.get("validFrom")
    valid_until = document.get("validUntil")
    list_id = document.get("id")
    return BitstringStatusListCredential(
        id=list_id if isinstance(list_id, str) else None,
        issuer=issuer,
        status_purposes=tuple(purpose_list),
        encoded_list=encoded,
        ttl_ms=ttl,
        valid_from=None if valid_from is None else parse_datetime(valid_from, "validFrom"),
        valid_until=None if valid_until is None else parse_datetime(valid_until, "validUntil"),
        document=document,
    )
