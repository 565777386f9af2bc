"""The board's public documents: its DID document, JWT VC issuer metadata, contexts, schemas,
and the health probes.

- ``/.well-known/did.json`` (did:web method spec §3.2): for a did:web board, the document of
  ``did:web:<host>[%3A<port>]`` listing every current did:web key of the board and its
  instances, and the keys retired since, until the credentials they signed expire
  (:class:`issuer.identity.KeyHistory`). A did:key board has no document here (404).
- ``/.well-known/jwt-vc-issuer`` (draft-ietf-oauth-sd-jwt-vc §5): ``issuer`` is the board's
  ``public_url`` and ``jwks`` its signing keys, each with the ``kid`` its JWTs carry.
- Our JSON-LD context and JSON Schemas (:data:`vc_schemas.registry.BUNDLED`) at the path of
  their ``w3id.org`` URL (``/shikaku/jp-nq/v1``, ``/shikaku/jp-nq/schemas/…``), byte for byte
  the pinned documents, so a redirect from w3id.org can point here.
- ``/healthz`` answers while the process runs; ``/readyz`` pings the board's two databases
  and answers 503 ``storage.unavailable`` when either is down.
"""

from __future__ import annotations

import json
from typing import Any, Final
from urllib.parse import urlsplit

from fastapi import APIRouter, Response
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from issuer.board import Board
from issuer.http.deps import BoardDep, InstancesDep
from issuer.identity import KeyHistory
from issuer.instances import Instances
from service_kit.http import PROBLEM_RESPONSES
from vc_core.did import build_did_web_document
from vc_core.errors import RequestError, StorageError
from vc_core.keys import public_jwk
from vc_schemas.registry import BUNDLED, bundled_documents

__all__ = ["document_paths", "router"]

router = APIRouter()
_PUBLIC_CACHE: Final = "public, max-age=300"
_MEDIA: Final = {"context": "application/ld+json", "schema": "application/schema+json"}


def document_paths() -> dict[str, tuple[str, str]]:
    """Served path → (URL, kind) of each bundled context and schema."""
    return {urlsplit(d.url).path: (d.url, d.kind) for d in BUNDLED}


def did_document(board: Board, instances: Instances) -> dict[str, Any]:
    """The board's did:web document, or ``request.not_found`` for a did:key board."""
    webs = [i for i in (board.identity, *instances.identities()) if i.is_web]
    if not webs:
        raise RequestError("request.not_found", "this board is a did:key; it has no did.json")
    did = webs[0].did
    keys = KeyHistory(board.store).listed(did, board.clock())
    return build_did_web_document(did, keys)


@router.get(
    "/.well-known/did.json",
    responses=PROBLEM_RESPONSES,
    summary="The board's did:web document, its current and retired keys",
)
async def did_json(board: BoardDep, instances: InstancesDep) -> Response:
    document = await run_in_threadpool(did_document, board, instances)
    return _json(document, "application/did+json")


@router.get("/.well-known/jwt-vc-issuer", summary="JWT VC issuer metadata (SD-JWT VC §5)")
async def jwt_vc_issuer(board: BoardDep, instances: InstancesDep) -> Response:
    keys = []
    seen = set()
    for identity in (board.identity, *instances.identities()):
        if identity.verification_method in seen:
            continue
        seen.add(identity.verification_method)
        keys.append({**public_jwk(identity.public_key), "kid": identity.verification_method})
    metadata = {"issuer": board.settings.public_url.rstrip("/"), "jwks": {"keys": keys}}
    return _json(metadata, "application/json")


def _bundled(path: str) -> Response:
    found = document_paths().get(path)
    if found is None:
        raise RequestError("request.not_found", "no such context or schema")
    url, kind = found
    return _json(bundled_documents()[url], _MEDIA[kind])


def _server(path: str) -> Any:
    async def serve() -> Response:
        return _bundled(path)

    return serve


for _path, (_url, _kind) in document_paths().items():
    router.add_api_route(
        _path,
        _server(_path),
        methods=["GET"],
        summary=f"The bundled document {_path}",
        responses={200: {"description": "The document", "content": {_MEDIA[_kind]: {}}}},
    )


@router.get("/healthz", summary="Liveness: the process answers")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", responses=PROBLEM_RESPONSES, summary="Readiness: both databases answer")
async def readyz(board: BoardDep) -> dict[str, str]:
    await run_in_threadpool(_ping, board.store.engine, "the board's database")
    await run_in_threadpool(_ping, board.registry.engine, "the status database")
    return {"status": "ready"}


def _ping(engine: Engine, what: str) -> None:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        raise StorageError("storage.unavailable", f"{what} does not answer") from exc


def _json(document: Any, media_type: str) -> Response:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    return Response(body, media_type=media_type, headers={"Cache-Control": _PUBLIC_CACHE})
