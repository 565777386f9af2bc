"""Status lists served, and status changed: ``GET /status/{list}``, ``POST /credentials/status``.

Serving (W3C Bitstring Status List v1.0 §2.2; draft-ietf-oauth-status-list §8): the status
registry names each list ``{public_url}/status/{random id}`` (``RegistryConfig.base_url`` is
:attr:`~issuer.settings.IssuerSettings.status_base_url`), and this route answers exactly those
URLs with the list's current publication, signed by the publisher of the list's issuer: the
``BitstringStatusListCredential``, or the Status List Token when the request accepts
``application/statuslist+jwt`` (a client that asks only for ``application/ld+json`` or
``application/json`` gets the credential under that type); ``{list}.dispositions`` is a
suspension list's dispositions document. Each answer carries ``ETag``, ``Cache-Control``
(``max-age`` = the list's ``ttl``, never past ``validUntil``) and ``Last-Modified``, and a
conditional request naming the current ETag gets 304, so a CDN can front the lists. A stale
publication is re-signed on the way out (:meth:`~issuer.status.publish.StatusPublisher.get`);
a list whose key the service no longer holds is served as last signed until its
``validUntil``. Lists are public.

Changing (VC-API "Updating Status"): ``POST /credentials/status`` with ``{credentialId,
credentialStatus: {type: "BitstringStatusListEntry", statusPurpose, status?}}`` (or a list of
such entries; or ``[{type, status: "revoked" | "suspended" | "unsuspended"}]``) revokes
(``revocation``), suspends (``suspension``) or, with ``status: false``, reinstates the
credential through the registry, which writes the audit log, and the lists it touched are
republished at once. It needs the ``status:write`` scope; the audit log names the
API key as the actor. ``POST /status/{list}/publish`` republishes one list (204), as the W3C
Bitstring Status List suite asks after a change.
"""

from __future__ import annotations

import logging
import re
from typing import Annotated, Final

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from issuer.board import Board
from issuer.http.auth import require_scope
from issuer.http.deps import BoardDep, InstancesDep
from issuer.http.models import StatusEntryUpdate, StatusUpdateRequest, StatusUpdateResponse
from issuer.instances import Instances
from issuer.settings import ApiKey
from issuer.status import StatusChange
from issuer.status.dispositions import DISPOSITIONS_FORMAT, DISPOSITIONS_PATH
from issuer.status.models import ListRow, PublicationRow
from issuer.status.publish import MEDIA_TYPES, Publication, StatusPublisher, publication_of
from service_kit.http import PROBLEM_RESPONSES, read_model, request_body
from vc_core.errors import RequestError, StatusError

__all__ = ["router"]

log = logging.getLogger("shikaku.issuer.http")
router = APIRouter()
StatusKey = Annotated[ApiKey, Depends(require_scope("status:write"))]

_LIST_ID: Final = re.compile(r"[A-Za-z0-9_-]{1,64}")
_DEFAULT_BASIS: Final = "VC-API status update by an authorised operator"
_CACHE_HEADERS: Final = ("ETag", "Cache-Control", "Last-Modified")


def list_url(board: Board, list_id: str) -> str:
    """The URL the registry gave the list ``list_id`` (what credentials name)."""
    return f"{board.settings.status_base_url}/{list_id}"


def _issuer_of(board: Board, url: str) -> str:
    issuer = board.registry.transact(
        lambda session: session.scalar(select(ListRow.issuer).where(ListRow.url == url))
    )
    if issuer is None:
        raise RequestError("request.not_found", "no status list at this URL")
    return issuer


def _publisher(board: Board, instances: Instances, url: str) -> StatusPublisher:
    publisher = instances.publisher_of(_issuer_of(board, url))
    if publisher is None:
        raise RequestError("request.not_found", "no key of this service signs that list")
    return publisher


def _publication(board: Board, instances: Instances, name: str, accept: str | None) -> Publication:
    base = name.removesuffix(DISPOSITIONS_PATH)
    if not _LIST_ID.fullmatch(base):
        raise RequestError("request.not_found", "no status list at this URL")
    url = list_url(board, base)
    publisher = instances.publisher_of(_issuer_of(board, url))
    if publisher is None:
        # A list of a key the service no longer holds (a did:key board whose key was
        # replaced): its last signed publication is served while it is valid, never re-signed.
        return _last_signed(board, url, _format_of(name, accept))
    try:
        return publisher.for_accept(url + name[len(base) :], accept)
    except StatusError as exc:
        if exc.code != "status.list_unreachable":
            raise
        raise RequestError("request.not_found", "the list is not published in that form") from exc


def _format_of(name: str, accept: str | None) -> str:
    if name.endswith(DISPOSITIONS_PATH):
        return DISPOSITIONS_FORMAT
    return "jwt" if accept is not None and MEDIA_TYPES["jwt"] in accept else "w3c"


def _last_signed(board: Board, url: str, format: str) -> Publication:
    now = board.clock()

    def work(session: Session) -> Publication | None:
        row = session.scalar(
            select(PublicationRow)
            .join(ListRow, ListRow.id == PublicationRow.list_id)
            .where(ListRow.url == url, PublicationRow.format == format)
        )
        if row is None or row.valid_until <= now:
            return None
        return publication_of(url, row)

    found = board.registry.transact(work)
    if found is None:
        raise RequestError("request.not_found", "no valid publication of this list")
    return found


@router.get(
    "/status/{name}",
    responses={
        200: {
            "description": "The list's publication",
            "content": {
                "application/vc": {},
                "application/statuslist+jwt": {},
                "application/dispositions+jwt": {},
            },
        },
        304: {"description": "Not modified: the ETag named is still current"},
        **PROBLEM_RESPONSES,
    },
    summary="A status list: the BitstringStatusListCredential, its token, its dispositions",
)
async def status_list(
    name: str, request: Request, board: BoardDep, instances: InstancesDep
) -> Response:
    publication = await run_in_threadpool(
        _publication, board, instances, name, request.headers.get("accept")
    )
    headers = publication.headers(board.clock())
    headers["Vary"] = "Accept"
    media_type = _json_media(publication, request.headers.get("accept"))
    headers["Content-Type"] = media_type
    if publication.matches(request.headers.get("if-none-match")):
        return Response(status_code=304, headers={k: headers[k] for k in (*_CACHE_HEADERS, "Vary")})
    return Response(publication.body, headers=headers, media_type=media_type)


def _json_media(publication: Publication, accept: str | None) -> str:
    """The credential's media type: ``application/vc`` (VCDM 2.0 §6.3), unless the client
    asks only for JSON types it knows (a JSON-LD document loader asking for
    ``application/ld+json``); then the first of those it names. The body is the same."""
    if publication.format != "w3c" or not accept:
        return publication.media_type
    named = [part.split(";", 1)[0].strip().lower() for part in accept.split(",")]
    if publication.media_type in named or "*/*" in named or "application/*" in named:
        return publication.media_type
    for media in ("application/vc+ld+json", "application/ld+json", "application/json"):
        if media in named:
            return media
    return publication.media_type


@router.post(
    "/status/{name}/publish",
    status_code=204,
    responses=PROBLEM_RESPONSES,
    summary="Republish one status list now",
)
async def publish_list(
    name: str, board: BoardDep, instances: InstancesDep, key: StatusKey
) -> Response:
    if not _LIST_ID.fullmatch(name):
        raise RequestError("request.not_found", "no status list at this URL")
    url = list_url(board, name)
    publisher = await run_in_threadpool(_publisher, board, instances, url)
    await run_in_threadpool(publisher.publish, url)
    log.info("list republished for key %s", key.name)
    return Response(status_code=204)


@router.post(
    "/credentials/status",
    response_model=StatusUpdateResponse,
    responses=PROBLEM_RESPONSES,
    openapi_extra=request_body(StatusUpdateRequest),
    summary="Revoke, suspend or reinstate a credential (VC-API)",
)
async def update_status(
    request: Request, board: BoardDep, instances: InstancesDep, key: StatusKey
) -> dict[str, object]:
    asked = await read_model(request, StatusUpdateRequest)
    entries = asked.credential_status
    updates = entries if isinstance(entries, list) else [entries]
    if not updates:
        raise RequestError("request.invalid", "credentialStatus names no entry to change")
    changes: list[StatusChange] = []
    for update in updates:
        changes += await run_in_threadpool(
            _apply, board, asked.credential_id, update, f"api-key:{key.name}"
        )
    await run_in_threadpool(instances.publish_changes, board, changes)
    log.info("status of a credential changed (%d entries) by key %s", len(changes), key.name)
    return {
        "credentialId": asked.credential_id,
        "changed": [
            {
                "statusPurpose": c.purpose,
                "statusListCredential": c.list_url,
                "statusListIndex": str(c.index),
                "value": c.new_value,
            }
            for c in changes
        ],
    }


def _apply(
    board: Board, credential_id: str, update: StatusEntryUpdate, actor: str
) -> tuple[StatusChange, ...]:
    purpose, setting = update.action()
    reason = update.reason or f"{purpose} requested over VC-API"
    basis = update.legal_basis or _DEFAULT_BASIS
    registry = board.registry
    if purpose == "revocation":
        if not setting:
            raise StatusError("status.revocation_irreversible", "a revocation cannot be undone")
        return registry.revoke(
            credential_id=credential_id, reason=reason, legal_basis=basis, actor=actor
        )
    if setting:
        _schedule, changes = registry.suspend(
            credential_id=credential_id, reason=reason, legal_basis=basis, actor=actor
        )
        return changes
    return registry.reinstate(
        credential_id=credential_id, reason=reason, legal_basis=basis, actor=actor
    )
