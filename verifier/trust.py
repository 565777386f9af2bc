"""The verifier's trust registry: which issuers may issue which qualifications (issue 9).

A signature only proves that *some* key signed. An employer also needs to know that the
issuer the credential names is the authority for that qualification — 厚生労働大臣 for 看護師,
a prefectural governor for 准看護師 — and that the key belongs to that issuer
(:mod:`verifier.issuer_keys`). The registry answers the first question. Each entry, a
:class:`TrustedIssuer`, holds:

- ``id``: a DID (did:key, did:jwk, did:web; the W3C ``issuer``) or an https issuer identifier
  (the SD-JWT VC ``iss``, draft-ietf-oauth-sd-jwt-vc §3.2.2.2);
- the authority's name in Japanese and English, which the verifier's result shows;
- ``qualifications``: catalogue ids (:mod:`vc_schemas.catalogue`), and optionally extra
  ``vct`` values the issuer is accepted for;
- what binds keys to it: a pinned did:web document, X.509 roots for ``x5c`` chains, pinned
  JWT VC Issuer Metadata.

Three outcomes have their own codes: ``trust.issuer_unknown`` (not in the registry),
``trust.not_authorized`` (trusted, but not for this qualification) and
``trust.qualification_unknown`` (a qualification the catalogue does not know). A malformed
entry is ``trust.registry_invalid``.

:class:`TrustRegistry` is the in-memory registry, loaded from and saved to a TOML file
(:mod:`verifier.trust_file`); :class:`verifier.trust_sql.SqlTrustRegistry` is the table a
service runs. Both implement :class:`TrustSource`, the read interface that the pipeline and
:class:`verifier.issuer_keys.IssuerKeys` use.
"""

from __future__ import annotations

import base64
import binascii
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509

from vc_core.did import did_web_url, resolve_did_document
from vc_core.errors import DidError, TrustError
from vc_schemas.catalogue import default_catalogue
from vc_schemas.sd_jwt_vc import qualification_of_vct
from verifier.trust_file import read_entries, write_entries

__all__ = ["TrustRegistry", "TrustSource", "TrustedIssuer", "issuer_host"]

_INVALID = "trust.registry_invalid"


@cache
def _catalogue_ids() -> frozenset[str]:
    return frozenset(default_catalogue().ids)


@dataclass(frozen=True)
class TrustedIssuer:
    """One issuer the verifier trusts, for the qualifications it lists.

    Construction checks the entry (``trust.registry_invalid``; a qualification id the
    catalogue does not know is ``trust.qualification_unknown``), so every source of entries —
    the TOML file, the table, ``shikaku trust add`` — refuses the same mistakes.
    """

    id: str
    name_ja: str
    name_en: str
    qualifications: frozenset[str]
    vcts: frozenset[str] = frozenset()
    did_document: Mapping[str, Any] | None = None
    x509_roots: tuple[bytes, ...] = ()
    jwt_vc_issuer: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        _check_id(self.id)
        for label, name in (("name_ja", self.name_ja), ("name_en", self.name_en)):
            if not isinstance(name, str) or not name.strip():
                raise TrustError(_INVALID, f"{self.id[:80]}: {label} must be a non-empty string")
        _check_names(self.id, "qualifications", self.qualifications)
        _check_names(self.id, "vcts", self.vcts)
        if not self.qualifications and not self.vcts:
            raise TrustError(_INVALID, f"{self.id[:80]}: an issuer must list a qualification")
        unknown = sorted(self.qualifications - _catalogue_ids())
        if unknown:
            raise TrustError(
                "trust.qualification_unknown",
                f"the catalogue has no qualification {unknown[0][:80]!r}",
                qualification=unknown[0][:80],
            )
        _check_did_document(self.id, self.did_document)
        _check_roots(self.id, self.x509_roots)
        _check_metadata(self.id, self.jwt_vc_issuer)

    def may_issue(self, qualification: str) -> bool:
        """Whether this issuer is trusted for ``qualification`` (a catalogue id, or a ``vct``)."""
        if qualification in self.vcts:
            return True
        return (qualification_of_vct(qualification) or qualification) in self.qualifications

    def to_json(self) -> dict[str, Any]:
        """The entry as JSON (roots as base64 DER), the form the SQL table stores."""
        return {
            "id": self.id,
            "name_ja": self.name_ja,
            "name_en": self.name_en,
            "qualifications": sorted(self.qualifications),
            "vcts": sorted(self.vcts),
            "did_document": None if self.did_document is None else dict(self.did_document),
            "x509_roots": [base64.b64encode(der).decode("ascii") for der in self.x509_roots],
            "jwt_vc_issuer": None if self.jwt_vc_issuer is None else dict(self.jwt_vc_issuer),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> TrustedIssuer:
        """An entry from :meth:`to_json`'s form; ``trust.registry_invalid`` if misshaped."""
        try:
            roots = tuple(base64.b64decode(r, validate=True) for r in data.get("x509_roots", ()))
            return cls(
                id=data["id"],
                name_ja=data["name_ja"],
                name_en=data["name_en"],
                qualifications=frozenset(data["qualifications"]),
                vcts=frozenset(data.get("vcts", ())),
                did_document=data.get("did_document"),
                x509_roots=roots,
                jwt_vc_issuer=data.get("jwt_vc_issuer"),
            )
        except (KeyError, TypeError, binascii.Error) as exc:
            raise TrustError(_INVALID, f"a trust registry entry is misshaped ({exc})") from exc


class TrustSource(ABC):
    """The read interface of a trust registry: look an issuer up, authorise a qualification."""

    @abstractmethod
    def lookup(self, issuer_id: str) -> TrustedIssuer:
        """The entry for ``issuer_id``; ``trust.issuer_unknown`` when there is none."""

    @abstractmethod
    def __iter__(self) -> Iterator[TrustedIssuer]: ...

    @abstractmethod
    def __len__(self) -> int: ...

    def authorize(self, issuer_id: str, qualification: str) -> TrustedIssuer:
        """The entry of ``issuer_id`` if it may issue ``qualification``, else raise.

        ``qualification`` is a catalogue id or a ``vct`` (ours, or one the entry lists).
        Codes, in the order they are checked: ``trust.issuer_unknown``,
        ``trust.qualification_unknown``, ``trust.not_authorized``.
        """
        issuer = self.lookup(issuer_id)
        if qualification in issuer.vcts:
            return issuer
        qualification_id = qualification_of_vct(qualification) or qualification
        if qualification_id not in _catalogue_ids():
            raise TrustError(
                "trust.qualification_unknown",
                f"the catalogue has no qualification {qualification[:80]!r}",
                qualification=qualification[:80],
            )
        if qualification_id not in issuer.qualifications:
            raise TrustError(
                "trust.not_authorized",
                f"{issuer.name_en} is not trusted to issue {qualification_id}",
                issuer=issuer.id,
                qualification=qualification_id,
            )
        return issuer

    def hosts(self) -> frozenset[str]:
        """The hosts (``host[:port]``) of the registry's did:web and https issuers."""
        return frozenset(host for issuer in self if (host := issuer_host(issuer.id)) is not None)


class TrustRegistry(TrustSource):
    """An immutable registry held in memory; :meth:`load` and :meth:`save` use a TOML file."""

    def __init__(self, issuers: Iterable[TrustedIssuer] = ()) -> None:
        self._issuers: dict[str, TrustedIssuer] = {}
        for issuer in issuers:
            if issuer.id in self._issuers:
                raise TrustError(_INVALID, f"{issuer.id[:80]} is listed twice")
            self._issuers[issuer.id] = issuer

    @classmethod
    def load(cls, path: Path) -> TrustRegistry:
        """Read a TOML registry (:mod:`verifier.trust_file`); ``trust.registry_invalid``.

        A bad entry is reported with the file and its position, whatever was wrong with it.
        """
        issuers = []
        for position, entry in enumerate(read_entries(path), start=1):
            try:
                issuers.append(TrustedIssuer(**entry))
            except TrustError as exc:
                raise TrustError(
                    _INVALID, f"{path}: issuer {position}: {exc.message}", cause=exc.code
                ) from exc
        return cls(issuers)

    def save(self, path: Path) -> None:
        """Write the registry as TOML, atomically (a temporary file renamed over ``path``)."""
        write_entries(path, [vars(issuer) for issuer in self])

    def lookup(self, issuer_id: str) -> TrustedIssuer:
        try:
            return self._issuers[issuer_id]
        except KeyError:
            raise TrustError(
                "trust.issuer_unknown",
                f"{issuer_id[:80]} is not in the trust registry",
                issuer=issuer_id[:200],
            ) from None

    def added(self, issuer: TrustedIssuer) -> TrustRegistry:
        """A registry with ``issuer`` added, replacing any entry with the same id."""
        kept = [entry for entry in self if entry.id != issuer.id]
        return TrustRegistry([*kept, issuer])

    def removed(self, issuer_id: str) -> TrustRegistry:
        """A registry without ``issuer_id``; ``trust.issuer_unknown`` if it was not there."""
        self.lookup(issuer_id)
        return TrustRegistry(entry for entry in self if entry.id != issuer_id)

    def __iter__(self) -> Iterator[TrustedIssuer]:
        return iter(sorted(self._issuers.values(), key=lambda entry: entry.id))

    def __len__(self) -> int:
        return len(self._issuers)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TrustRegistry) and self._issuers == other._issuers

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"TrustRegistry({len(self)} issuers)"


def issuer_host(issuer_id: str) -> str | None:
    """The host (``host[:port]``, lower case) keys of this issuer are fetched from, if any."""
    if issuer_id.startswith("did:web:"):
        try:
            return urlsplit(did_web_url(issuer_id)).netloc.lower()
        except DidError:
            return None
    if issuer_id.startswith("https://"):
        return urlsplit(issuer_id).netloc.lower() or None
    return None


def _check_id(issuer_id: Any) -> None:
    if not isinstance(issuer_id, str) or len(issuer_id) > 4096:
        raise TrustError(_INVALID, "an issuer id must be a string of at most 4096 characters")
    if issuer_id.startswith("did:web:"):
        try:
            did_web_url(issuer_id)
        except DidError as exc:
            raise TrustError(_INVALID, f"{issuer_id[:80]} is not a valid did:web") from exc
        return
    if issuer_id.startswith(("did:key:", "did:jwk:")):
        try:
            resolve_did_document(issuer_id)
        except DidError as exc:
            raise TrustError(
                _INVALID, f"{issuer_id[:80]} is not a valid DID: {exc.message}"
            ) from exc
        return
    parts = urlsplit(issuer_id)
    if parts.scheme == "https" and parts.hostname and not parts.query and not parts.fragment:
        return
    raise TrustError(
        _INVALID, f"{issuer_id[:80]!r} is not a did:key, did:jwk, did:web or https issuer id"
    )


def _check_names(issuer_id: str, label: str, names: Any) -> None:
    if not isinstance(names, frozenset) or not all(isinstance(n, str) and n for n in names):
        raise TrustError(_INVALID, f"{issuer_id[:80]}: {label} must be a set of strings")


def _check_did_document(issuer_id: str, document: Any) -> None:
    if document is None:
        return
    if not issuer_id.startswith("did:web:"):
        raise TrustError(_INVALID, f"{issuer_id[:80]}: only a did:web issuer pins a document")
    if not isinstance(document, Mapping) or document.get("id") != issuer_id:
        raise TrustError(_INVALID, f"{issuer_id[:80]}: the pinned document is not its document")


def _check_roots(issuer_id: str, roots: Any) -> None:
    if not isinstance(roots, tuple):
        raise TrustError(_INVALID, f"{issuer_id[:80]}: x509_roots must be a tuple of DER bytes")
    for index, der in enumerate(roots):
        try:
            x509.load_der_x509_certificate(der)
        except (ValueError, TypeError) as exc:
            raise TrustError(
                _INVALID, f"{issuer_id[:80]}: x509_roots[{index}] is not a certificate"
            ) from exc


def _check_metadata(issuer_id: str, metadata: Any) -> None:
    if metadata is None:
        return
    if not isinstance(metadata, Mapping) or metadata.get("issuer") != issuer_id:
        raise TrustError(_INVALID, f"{issuer_id[:80]}: jwt_vc_issuer names another issuer")
    jwks = metadata.get("jwks")
    if not isinstance(jwks, Mapping) or not isinstance(jwks.get("keys"), list):
        raise TrustError(_INVALID, f"{issuer_id[:80]}: pinned jwt_vc_issuer needs jwks.keys")
