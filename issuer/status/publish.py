"""Publishing status lists: a signed BitstringStatusListCredential and a ``statuslist+jwt``.

- W3C Bitstring Status List v1.0 §3.1 (Generate Algorithm): the list's entries are encoded
  (§3.3), put in an unsigned BitstringStatusListCredential (§2.2) with ``validFrom``,
  ``validUntil`` and ``ttl`` (milliseconds), and given a Data Integrity proof
  (``ecdsa-rdfc-2019`` by default, :mod:`vc_core.di`) by the issuer's key.
- draft-ietf-oauth-status-list §5.1: the same entries as a Status List Token with ``sub`` (the
  list URL), ``iss``, ``iat``, ``exp`` (= validUntil) and ``ttl`` (seconds). The token's status
  types (§7.1) are not our purposes, so a revocation list is published with ``bits`` 1 (1 =
  INVALID), a suspension list with ``bits`` 2 where a set entry reads 2 (SUSPENDED), and a
  ``message`` list, whose reason codes have no meaning there, is not published as a token.

A publication is regenerated when its list's version has moved on (a bit changed) or when
its ``validUntil`` comes within ``refresh_margin``; each carries an ETag naming the list
version and the body's digest, and a ``Cache-Control: max-age`` aligned with ``ttl`` as §2.2
recommends, so a CDN can serve the lists and verifiers can revalidate cheaply (HTTP 304).

A suspension list also gets its signed dispositions document (why and until when each set
entry is suspended; :mod:`issuer.status.dispositions`), rendered with the list and served at
``<list URL>.dispositions``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.status.dispositions import (
    DISPOSITIONS_FORMAT,
    DISPOSITIONS_MEDIA_TYPE,
    DISPOSITIONS_PATH,
    read_dispositions,
    sign_dispositions,
)
from issuer.status.models import ListRow, PublicationRow
from issuer.status.records import ListInfo, ListSnapshot, StatusChange
from issuer.status.registry import StatusRegistry
from vc_core import di
from vc_core.errors import StatusError
from vc_core.jsonld.loader import default_loader
from vc_core.jsonld.processor import Loader
from vc_core.keys import Signer
from vc_core.status import (
    PackedStatusList,
    StatusListToken,
    build_status_list_credential,
    sign_status_list_jwt,
)
from vc_core.status._deflate import COMPRESSION_LEVEL

__all__ = [
    "FORMATS",
    "MEDIA_TYPES",
    "Publication",
    "PublisherConfig",
    "StatusPublisher",
    "publication_of",
    "token_list",
]

#: The formats a list is published in (its W3C credential and its token), and the media types
#: of every stored document, the dispositions of a suspension list included.
FORMATS = ("w3c", "jwt")
MEDIA_TYPES = {
    "w3c": "application/vc",
    "jwt": "application/statuslist+jwt",
    DISPOSITIONS_FORMAT: DISPOSITIONS_MEDIA_TYPE,
}


def _suspension_table() -> list[bytes]:
    """For each W3C byte of 8 one-bit entries, the two IETF bytes of 2-bit entries where a
    set entry becomes 2 (SUSPENDED), least significant bits first."""
    table = []
    for byte in range(256):
        out = 0
        for k in range(8):
            if byte & (0x80 >> k):
                out |= 2 << (2 * k)
        table.append(out.to_bytes(2, "little"))
    return table


_SUSPENSION = _suspension_table()


def token_list(packed: PackedStatusList, purpose: str) -> PackedStatusList | None:
    """The IETF list a W3C list is published as (see the module), or None for none."""
    if purpose == "revocation" and packed.bits == 1:
        return packed.reordered("lsb")
    if purpose == "suspension" and packed.bits == 1:
        data = b"".join(map(_SUSPENSION.__getitem__, packed.to_bytes()))
        return PackedStatusList(
            packed.size, 2, order="lsb", data=data[: (packed.size * 2 + 7) // 8]
        )
    return None


@dataclass(frozen=True)
class PublisherConfig:
    """``ttl`` is how long a verifier may cache a list; ``validity`` how long a signed list
    stays valid; a list is re-signed when less than ``refresh_margin`` of it remains."""

    ttl: timedelta = timedelta(minutes=5)
    validity: timedelta = timedelta(days=1)
    refresh_margin: timedelta = timedelta(hours=6)
    suite: str = "ecdsa-rdfc-2019"
    level: int = COMPRESSION_LEVEL


@dataclass(frozen=True)
class Publication:
    """One published document with the HTTP metadata it is served with."""

    url: str
    format: str
    version: int
    etag: str
    media_type: str
    body: bytes
    valid_from: datetime
    valid_until: datetime
    ttl_seconds: int

    def headers(self, now: datetime) -> dict[str, str]:
        """``Content-Type``, ``ETag``, ``Cache-Control`` and ``Last-Modified`` for serving.

        ``max-age`` is the ``ttl``, cut short so no cache keeps the list past ``validUntil``.
        """
        max_age = max(0, min(self.ttl_seconds, int((self.valid_until - now).total_seconds())))
        return {
            "Content-Type": self.media_type,
            "ETag": self.etag,
            "Cache-Control": f"public, max-age={max_age}",
            "Last-Modified": self.valid_from.strftime("%a, %d %b %Y %H:%M:%S GMT"),
        }

    def matches(self, if_none_match: str | None) -> bool:
        """True when a conditional request's ``If-None-Match`` names this version (304)."""
        if not if_none_match:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in if_none_match.split(",")}
        return "*" in tags or self.etag in tags


def _etag(version: int, body: bytes) -> str:
    return f'"v{version}-{hashlib.sha256(body).hexdigest()[:20]}"'


class StatusPublisher:
    """Signs and stores the publications of one issuer's lists in a :class:`StatusRegistry`.

    ``verification_method`` must belong to ``issuer`` (its DID before the ``#``), because a
    verifier matches the list's issuer and signer to the credential's issuer.
    """

    def __init__(
        self,
        registry: StatusRegistry,
        *,
        signer: Signer,
        issuer: str | None = None,
        verification_method: str | None = None,
        loader: Loader | None = None,
        config: PublisherConfig | None = None,
    ) -> None:
        self.registry = registry
        self.signer = signer
        self.verification_method = verification_method or di.default_verification_method(signer)
        self.issuer = issuer or self.verification_method.split("#", 1)[0]
        if self.verification_method.split("#", 1)[0] != self.issuer:
            raise StatusError(
                "status.issuer_mismatch",
                f"{self.verification_method} is not a verification method of {self.issuer}",
            )
        self.loader: Loader = loader or default_loader()
        self.config = config or PublisherConfig()

    # -- rendering (no database) -----------------------------------------------------------------

    def render(self, snapshot: ListSnapshot, now: datetime) -> list[Publication]:
        """The signed documents of one list version."""
        info = snapshot.info
        if info.issuer != self.issuer:
            raise StatusError(
                "status.issuer_mismatch", f"{info.url} belongs to {info.issuer}, not {self.issuer}"
            )
        valid_until = now + self.config.validity
        ttl_seconds = int(self.config.ttl.total_seconds())
        unsigned = build_status_list_credential(
            id=info.url,
            issuer=self.issuer,
            status_purpose=info.purpose,
            packed=snapshot.packed,
            valid_from=now,
            valid_until=valid_until,
            ttl_ms=ttl_seconds * 1000,
            level=self.config.level,
        )
        signed = di.sign(
            unsigned,
            suite=self.config.suite,
            signer=self.signer,
            loader=self.loader,
            verification_method=self.verification_method,
            created=now,
        )
        documents: dict[str, bytes] = {
            "w3c": json.dumps(signed, ensure_ascii=False, separators=(",", ":")).encode()
        }
        token_entries = token_list(snapshot.packed, info.purpose)
        if token_entries is not None:
            token = StatusListToken(
                subject=info.url,
                issued_at=int(now.timestamp()),
                status_list=token_entries,
                expires_at=int(valid_until.timestamp()),
                ttl=ttl_seconds,
                issuer=self.issuer,
            )
            jwt = sign_status_list_jwt(token, self.signer, kid=self.verification_method)
            documents["jwt"] = jwt.encode("ascii")
        return [
            self._published(info.url, info.version, name, body, now)
            for name, body in documents.items()
        ]

    def _published(
        self, url: str, version: int, format: str, body: bytes, now: datetime
    ) -> Publication:
        return Publication(
            url=url,
            format=format,
            version=version,
            etag=_etag(version, body),
            media_type=MEDIA_TYPES[format],
            body=body,
            valid_from=now,
            valid_until=now + self.config.validity,
            ttl_seconds=int(self.config.ttl.total_seconds()),
        )

    def render_dispositions(self, url: str, now: datetime) -> Publication | None:
        """The signed dispositions document of a suspension list, None for other lists (it
        reads the list's entries and schedules, so unlike :meth:`render` it needs the
        registry)."""
        snapshot = read_dispositions(self.registry, url)
        if snapshot is None:
            return None
        body = sign_dispositions(
            snapshot,
            signer=self.signer,
            kid=self.verification_method,
            issued_at=now,
            expires_at=now + self.config.validity,
        )
        return self._published(url, snapshot.info.version, DISPOSITIONS_FORMAT, body, now)

    # -- storing and serving -----------------------------------------------------------------------

    def publish(self, url: str) -> list[Publication]:
        """Render the list's current version (and dispositions) and store it (unless a newer
        one is stored)."""
        snapshot = self.registry.snapshot(url)
        now = self.registry.now()
        publications = self.render(snapshot, now)
        dispositions = self.render_dispositions(url, now)
        if dispositions is not None:
            publications.append(dispositions)
        return self._store(snapshot.info.id, publications)

    def publish_changes(self, changes: Iterable[StatusChange]) -> list[Publication]:
        """Regenerate the lists a set of changes touched (call it after revoke, suspend …)."""
        urls = sorted({change.list_url for change in changes})
        return [p for url in urls for p in self.publish(url)]

    def publish_due(self) -> list[Publication]:
        """Republish every list of the issuer whose publication is missing or stale."""
        now = self.registry.now()
        stale = self.registry.transact(lambda session: self._stale_urls(session, now))
        return [p for url in stale for p in self.publish(url)]

    def publish_all(self) -> list[Publication]:
        """Every list of the issuer in each format it is published in, brought up to date.

        An issuer with no list in the registry (a key that matches none) is
        ``status.nothing_published``: publishing nothing is an error, not an empty success.
        """
        self.publish_due()
        lists = self.registry.lists(issuer=self.issuer)
        if not lists:
            raise StatusError(
                "status.nothing_published", f"the registry holds no status list of {self.issuer}"
            )
        return [self.get(info.url, name) for info in lists for name in _formats(info)]

    def get(self, url: str, format: str = "w3c") -> Publication:
        """The stored publication of a list, republished first if it is stale."""
        if format not in MEDIA_TYPES:
            raise StatusError("status.list_malformed", f"no status-list format {format!r}")
        now = self.registry.now()
        found = self.registry.transact(lambda session: self._load(session, url, format))
        if found is not None:
            publication, list_version = found
            if not self._is_stale(publication.version, publication.valid_until, list_version, now):
                return publication
        for publication in self.publish(url):
            if publication.format == format:
                return publication
        raise StatusError("status.list_unreachable", f"{url} is not published as {format}")

    def dispositions(self, url: str) -> Publication:
        """The dispositions document of the suspension list at ``url`` (served at
        ``url + ".dispositions"``); ``status.list_unreachable`` for any other list, refused
        before anything is rendered."""
        purpose = self.registry.transact(
            lambda session: session.scalar(select(ListRow.purpose).where(ListRow.url == url))
        )
        if purpose != "suspension":
            raise StatusError("status.list_unreachable", f"{url} has no dispositions document")
        return self.get(url, DISPOSITIONS_FORMAT)

    def for_accept(self, url: str, accept: str | None) -> Publication:
        """Content negotiation: ``application/statuslist+jwt`` gets the token, else the VC;
        ``<list URL>.dispositions`` is the list's dispositions document."""
        if url.endswith(DISPOSITIONS_PATH):
            return self.dispositions(url.removesuffix(DISPOSITIONS_PATH))
        wants_jwt = accept is not None and MEDIA_TYPES["jwt"] in accept
        return self.get(url, "jwt" if wants_jwt else "w3c")

    def _is_stale(
        self, version: int, valid_until: datetime, list_version: int, now: datetime
    ) -> bool:
        return version < list_version or valid_until - now < self.config.refresh_margin

    def _stale_urls(self, session: Session, now: datetime) -> list[str]:
        lists = session.execute(
            select(ListRow.id, ListRow.url, ListRow.version).where(ListRow.issuer == self.issuer)
        ).all()
        published: dict[int, list[PublicationRow]] = {}
        for row in session.scalars(
            select(PublicationRow).where(PublicationRow.list_id.in_([r[0] for r in lists]))
        ):
            published.setdefault(row.list_id, []).append(row)
        stale = []
        for list_id, url, version in lists:
            rows = published.get(list_id, [])
            if not rows or any(
                self._is_stale(r.version, r.valid_until, version, now) for r in rows
            ):
                stale.append(url)
        return stale

    def _load(self, session: Session, url: str, format: str) -> tuple[Publication, int] | None:
        found = session.execute(
            select(PublicationRow, ListRow.version)
            .join(ListRow, ListRow.id == PublicationRow.list_id)
            .where(ListRow.url == url, PublicationRow.format == format)
        ).one_or_none()
        if found is None:
            return None
        row, list_version = found
        return publication_of(url, row), list_version

    def _store(self, list_id: int, publications: list[Publication]) -> list[Publication]:
        """Store a list's publications in one transaction, unless newer ones are stored."""

        def work(session: Session) -> list[Publication]:
            rows = {
                row.format: row
                for row in session.scalars(
                    select(PublicationRow)
                    .where(PublicationRow.list_id == list_id)
                    .with_for_update()
                )
            }
            stored = []
            for publication in publications:
                row = rows.get(publication.format)
                if row is None:
                    session.add(_row(list_id, publication))
                    stored.append(publication)
                elif (row.version, row.valid_until) >= (
                    publication.version,
                    publication.valid_until,
                ):
                    # Another process stored this version (or a newer one) meanwhile: keep it.
                    stored.append(publication_of(publication.url, row))
                else:
                    for name, value in _fields(publication).items():
                        setattr(row, name, value)
                    stored.append(publication)
            return stored

        # Publications are derived data (see StatusRegistry.transact): no wait for the disk.
        return self.registry.transact(work, durable=False)


def _formats(info: ListInfo) -> tuple[str, ...]:
    """The formats a list is published in: a ``message`` list has no token form, and only a
    suspension list has a dispositions document."""
    if info.purpose not in ("revocation", "suspension") or info.status_size != 1:
        return ("w3c",)
    if info.purpose == "suspension":
        return ("w3c", "jwt", DISPOSITIONS_FORMAT)
    return ("w3c", "jwt")


def _fields(publication: Publication) -> dict[str, Any]:
    return {
        "version": publication.version,
        "etag": publication.etag,
        "media_type": publication.media_type,
        "body": publication.body,
        "valid_from": publication.valid_from,
        "valid_until": publication.valid_until,
        "ttl_seconds": publication.ttl_seconds,
    }


def _row(list_id: int, publication: Publication) -> PublicationRow:
    return PublicationRow(list_id=list_id, format=publication.format, **_fields(publication))


def publication_of(url: str, row: PublicationRow) -> Publication:
    """The stored publication ``row`` of the list at ``url``."""
    return Publication(
        url=url,
        format=row.format,
        version=row.version,
        etag=row.etag,
        media_type=row.media_type,
        body=row.body,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        ttl_seconds=row.ttl_seconds,
    )
