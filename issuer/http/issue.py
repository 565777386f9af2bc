"""VC-API issuance: ``POST /credentials/issue`` and ``POST /instances/{name}/credentials/issue``.

The board's own endpoint secures in its ``issue_suite`` with its key; each configured
instance (:mod:`issuer.instances`) secures in its own suite with its own key, so one service
answers the W3C ECDSA and EdDSA Data Integrity suites. As those suites expect
(STANDARDS.md, "Conventions the W3C test suites expect"):

- the ``credentialSubject`` is kept exactly as given; the board adds ``credentialStatus``
  itself (one entry per purpose, allocated by the status registry) when the instance keeps
  status, and an ``id`` (``urn:uuid:…``) when the credential has none, since status entries
  are allocated per credential id;
- a credential that names no issuer gets the instance's DID; one that names another issuer
  is refused, since the board signs only as itself;
- ``options.mandatoryPointers`` (``ecdsa-sd-2023``) must each point at something in the
  credential; without them the credential is still issued;
- a refused request answers **400** with a problem document, whatever the code's usual status
  (the ECDSA suite accepts nothing else); a VC 1.1 credential is secured like a 2.0 one.

Success is 201 ``{"verifiableCredential": …}``. Issuing needs an API key with the ``issue``
scope (:mod:`issuer.http.auth`).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from issuer.http.auth import require_scope
from issuer.http.deps import BoardDep, InstancesDep
from issuer.http.models import IssueRequest, IssueResponse
from issuer.instances import Instance
from issuer.securing import with_issuer
from issuer.service import Issuer
from issuer.settings import ApiKey
from service_kit.http import PROBLEM_JSON, PROBLEM_RESPONSES, read_model, request_body
from vc_core.errors import CredentialError, RequestError, SelectionError, ShikakuError
from vc_core.jsonld.loader import published_digests
from vc_core.problems import problem_document
from vc_core.vcdm import check_related_resources, is_vc11, validate_credential
from vc_schemas.policy import pointer_value

__all__ = ["router"]

log = logging.getLogger("shikaku.issuer.http")
router = APIRouter()
IssueKey = Annotated[ApiKey, Depends(require_scope("issue"))]

_ROUTE: dict[str, Any] = {
    "status_code": 201,
    "response_model": IssueResponse,
    "responses": PROBLEM_RESPONSES,
    "openapi_extra": request_body(IssueRequest),
}


@router.post("/credentials/issue", summary="Issue a credential as the board", **_ROUTE)
async def issue(request: Request, board: BoardDep, key: IssueKey) -> JSONResponse:
    return await _issue(request, board.issuer, board.settings.issue_suite, "board", key)


@router.post(
    "/instances/{name}/credentials/issue",
    summary="Issue a credential as one of the board's issuer instances",
    **_ROUTE,
)
async def issue_as(
    name: str, request: Request, instances: InstancesDep, key: IssueKey
) -> JSONResponse:
    instance: Instance | None = instances.by_name.get(name)
    if instance is None:
        raise RequestError("request.not_found", f"no issuer instance {name[:40]!r}")
    return await _issue(request, instance.issuer, instance.suite, instance.name, key)


async def _issue(
    request: Request, issuer: Issuer, suite: str, name: str, key: ApiKey
) -> JSONResponse:
    try:
        asked = await read_model(request, IssueRequest)
        credential = _prepared(asked.credential, issuer, asked.options.credential_id)
        pointers = _pointers(credential, suite, asked.options.mandatory_pointers)
        issued = await run_in_threadpool(issuer.issue, credential, form=suite, mandatory=pointers)
    except ShikakuError as error:
        return _refused(request, error)
    log.info("%s issued %s (%s) for key %s", name, issued.credential_id, suite, key.name)
    return JSONResponse({"verifiableCredential": issued.secured}, status_code=201)


def _prepared(
    credential: Mapping[str, Any], issuer: Issuer, credential_id: str | None
) -> dict[str, Any]:
    """The credential as the board secures it: its own id, issuer and status (see module)."""
    document = dict(credential)
    if "proof" in document:
        raise CredentialError("credential.malformed", "the credential is already secured")
    # VCDM 2.0 §4.3: a credential MUST include @context (the W3C suite sends one without it
    # to see it refused); the board adds nothing the caller did not state.
    if "@context" not in document:
        raise CredentialError("credential.context_invalid", "the credential has no @context")
    named = document.get("issuer")
    named_id = named.get("id") if isinstance(named, Mapping) else named
    if "issuer" in document and named_id != issuer.did:
        raise CredentialError(
            "credential.issuer_invalid", f"this endpoint issues as {issuer.did} only"
        )
    if "id" not in document and issuer.registry is not None:
        document["id"] = credential_id or f"urn:uuid:{uuid.uuid4()}"
    document = with_issuer(document, issuer.signer, issuer.verification_method)
    _check_shape(document)
    return document


def _check_shape(document: Mapping[str, Any]) -> None:
    """What every credential needs, whatever its version: a type naming
    VerifiableCredential and a subject; any but a VC 1.1 one meets all of VCDM 2.0 (§4)."""
    types = document.get("type")
    if not isinstance(types, list) or "VerifiableCredential" not in types:
        raise CredentialError(
            "credential.malformed", "type must be a list naming VerifiableCredential"
        )
    subject = document.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    if not subjects or not all(isinstance(s, Mapping) and s for s in subjects):
        raise CredentialError(
            "credential.malformed", "credentialSubject must be a non-empty object"
        )
    # A VC 1.1 credential gets its issuanceDate when it is secured (issuer.securing); any other
    # is held to VCDM 2.0, its @context first of all (a list starting with the VC 2.0 context).
    if not is_vc11(document):
        validate_credential(document)
    # VCDM 2.0 §5.3: signing a relatedResource digest vouches for it, so the board checks each
    # against the resource. It fetches nothing and knows only the W3C base context's published
    # digests; a digest of any other resource cannot be checked and is refused (fail closed).
    if "relatedResource" in document:
        check_related_resources(document, published_digests)


def _pointers(credential: Mapping[str, Any], suite: str, asked: list[str] | None) -> list[str]:
    """The caller's mandatory pointers, each of which must point at something."""
    if not asked:
        return []
    if suite != "ecdsa-sd-2023":
        raise RequestError("request.invalid", f"{suite} takes no mandatoryPointers")
    for pointer in asked:
        if not pointer_value(credential, pointer)[0]:
            raise SelectionError("selection.pointer_invalid", f"{pointer[:60]!r} points at nothing")
    return asked


def _refused(request: Request, error: ShikakuError) -> JSONResponse:
    """A refused issue request: 400 (VC-API, the W3C suites) unless the service failed, the
    body was too large or the caller may not issue at all."""
    document = problem_document(error, instance=request.url.path)
    status = int(document["status"])
    if 400 <= status < 500 and status not in (401, 403, 404, 413, 415):
        document["status"] = status = 400
    if status >= 500:
        raise error
    log.info("%s %s refused: %s", request.method, request.url.path, error.code)
    return JSONResponse(document, status_code=status, media_type=PROBLEM_JSON)
