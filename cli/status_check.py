"""``shikaku status check``: the status of a credential in any form, from the web or a folder.

- A JSON-LD credential: each W3C ``BitstringStatusListEntry`` of its ``credentialStatus``
  (:meth:`verifier.status.StatusChecker.check`).
- A JOSE form (``dc+sd-jwt``, ``vc+sd-jwt``, ``vc+jwt``; compact, or an SD-JWT's JSON
  serialization), recognised by content (:func:`vc_core.formats.detect_format`): the issuer
  JWT's signature is verified first (check ``proof``) with the key its ``kid`` names, which
  must be the issuer's (:func:`vc_core.sdjwt.did_issuer_key`), since only the issuer may say
  where its status lives. Then a Referenced Token's ``status`` claim
  (draft-ietf-oauth-status-list §6, never selectively disclosed) is checked against the
  issuer's ``statuslist+jwt``, which that same issuer key must have signed
  (:meth:`~verifier.status.StatusChecker.check_token`); a W3C credential in a JOSE envelope
  carries ``credentialStatus`` entries instead, checked as above.

Lists are fetched over HTTPS under the verifier's policy (allowlist, size, timeout), or, with
``--lists DIR``, read from a folder ``shikaku status publish --out DIR`` wrote: to check
before the lists go up, or without a network. The folder answers as the publisher's web
server does, by content negotiation: a request accepting ``application/statuslist+jwt`` gets
``<name>.jwt``, any other ``<name>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx

from cli.loader import cli_loader
from cli.status import published_file
from vc_core.errors import ShikakuError
from vc_core.formats import JOSE_FORMATS, Format, detect_format
from vc_core.jose.jws import ALLOWED_ALGORITHMS, parse_jws
from vc_core.jsonio import loads
from vc_core.sdjwt import SdJwt, did_issuer_key, parse_sd_jwt
from vc_core.sdjwt.verify import issuer_of, signature_check
from vc_core.verdict import Check, Verdict
from verifier.status import FetchPolicy, StatusChecker, StatusListFetcher

__all__ = ["PublishedFolder", "check_status"]

_STATUSLIST_JWT = "application/statuslist+jwt"


class PublishedFolder(httpx.BaseTransport):
    """Answers GETs of status-list URLs from a folder written by ``shikaku status publish``.

    The file is named by the URL's last path segment (:func:`cli.status.published_file`);
    nothing outside the folder is ever read. A missing file answers 404, which the fetcher
    reports as ``status.list_unreachable``.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder.resolve()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        wants_token = _STATUSLIST_JWT in request.headers.get("Accept", "")
        name = published_file(str(request.url), "jwt" if wants_token else "w3c")
        path = (self.folder / name).resolve()
        if path.parent != self.folder or not path.is_file():
            return httpx.Response(404, request=request)
        media_type = _STATUSLIST_JWT if wants_token else "application/vc"
        return httpx.Response(
            200, content=path.read_bytes(), headers={"Content-Type": media_type}, request=request
        )


def _jose_checks(text: str, form: Format, checker: StatusChecker) -> tuple[Check, ...]:
    sd_jwt = parse_sd_jwt(text) if form in (Format.VC_SD_JWT, Format.DC_SD_JWT) else None
    issuer_jwt = sd_jwt or SdJwt(text.strip())
    proof = signature_check(issuer_jwt, did_issuer_key, ALLOWED_ALGORITHMS, name="proof")
    if not proof.ok:
        return (proof,)
    jws = parse_jws(issuer_jwt.jwt)
    payload: Mapping[str, Any] = jws.payload
    if "status" in payload:
        key = did_issuer_key(jws).key
        return proof, checker.check_token(payload, key=key, issuer=issuer_of(payload))
    return (proof, *checker.check(payload))


def check_status(
    text: str,
    *,
    policy: FetchPolicy,
    folder: Path | None = None,
) -> Verdict:
    """The status checks of one credential (see the module), as a verdict."""
    try:
        form: Format | None = detect_format(text)
    except ShikakuError:
        form = None  # Not a form shikaku knows: read as a bare JSON credential below.
    transport = PublishedFolder(folder) if folder is not None else None
    fetcher = StatusListFetcher(policy, transport=transport)
    checker = StatusChecker(fetcher, loader=cli_loader())
    try:
        if form in JOSE_FORMATS:
            assert form is not None
            try:
                return Verdict(_jose_checks(text, form, checker))
            except ShikakuError as exc:
                return Verdict((Check("format", False, exc.code, exc.message),))
        document = loads(text, where="the credential")  # Strict: input.* when it is not JSON.
        if not isinstance(document, dict):
            return Verdict((Check("format", False, "credential.malformed", "not an object"),))
        return Verdict(checker.check(document))
    finally:
        fetcher.close()
