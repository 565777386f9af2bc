"""VC-API's verifier vocabulary, mapped onto shikaku's pipeline (W3C CCG VC-API, "Verifying").

Requests: ``verifiableCredential`` / ``verifiablePresentation`` are a JSON-LD object, a
compact JOSE or SD-JWT string, or a VC Data Model 2.0 envelope (§4.13, "Enveloped Verifiable
Credentials": an ``EnvelopedVerifiableCredential`` whose ``id`` is a ``data:`` URL holding the
compact form). ``options.checks`` picks the checks to run (the W3C suites send
``["proof"]``), ``options.challenge`` and ``options.domain`` are the nonce and audience.

Answers: exactly 200 when the verdict is ``verified``, 400 otherwise (STANDARDS.md, the W3C
suites accept nothing else), with ``verified``, the names of the checks that passed,
``warnings`` for checks the caller did not ask for (so a proof-only answer says what it did
not look at), ``errors`` as problem details of each failed check, and ``result``: shikaku's
whole :meth:`~verifier.result.VerificationResult.to_json` report.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Literal
from urllib.parse import unquote

from vc_core.errors import CredentialError
from vc_core.formats import Format, detect_format
from vc_core.problems import problem_of
from verifier.result import VerificationResult

__all__ = ["response_of", "status_of", "unwrap"]

Kind = Literal["credential", "presentation"]

_ENVELOPES: Final[dict[Kind, tuple[str, frozenset[Format]]]] = {
    "credential": (
        "EnvelopedVerifiableCredential",
        frozenset({Format.VC_JWT, Format.VC_SD_JWT, Format.DC_SD_JWT}),
    ),
    "presentation": ("EnvelopedVerifiablePresentation", frozenset({Format.VP_JWT})),
}
_MEDIA_PREFIX: Final = "application/"


def unwrap(value: str | Mapping[str, Any], kind: Kind) -> str | Mapping[str, Any]:
    """The compact form inside an enveloped credential or presentation; anything else as is.

    The ``data:`` URL's media type must name the form the content itself declares (its JOSE
    ``typ``): an envelope that says one form and holds another is ``credential.malformed``.
    """
    name, forms = _ENVELOPES[kind]
    if isinstance(value, str) and value.lstrip().startswith(("{", "[")):
        # VC-API carries a Data Integrity document as a JSON object; JSON text in a string is
        # neither that nor a compact JOSE form (the W3C suites send it to see it refused).
        raise CredentialError(
            "credential.malformed", f"a {kind} in JSON is an object, not a string of JSON text"
        )
    if not isinstance(value, Mapping) or not _names(value.get("type"), name):
        return value
    url = value.get("id")
    if not isinstance(url, str) or not url.startswith("data:") or "," not in url:
        raise CredentialError("credential.malformed", f"an {name} has a data: URL as its id")
    header, payload = url.removeprefix("data:").split(",", 1)
    media, *parameters = header.split(";")
    if parameters:
        raise CredentialError("credential.malformed", f"an {name}'s data: URL takes no parameters")
    form = _form(media)
    if form not in forms:
        raise CredentialError("credential.malformed", f"an {name} cannot hold {media[:60]!r}")
    content = unquote(payload)
    if detect_format(content) is not form:
        raise CredentialError("credential.malformed", f"the {name} does not hold {form}")
    return content


def status_of(result: VerificationResult) -> int:
    """200 when verified, 400 when not verified or when it could not be verified."""
    return 200 if result.verified else 400


def response_of(result: VerificationResult) -> dict[str, Any]:
    """The VC-API verification response for ``result`` (see the module)."""
    checks = result.verdict.checks
    return {
        "verified": result.verified,
        "checks": [c.name for c in checks if c.ok is True],
        "warnings": [
            {
                "check": c.name,
                "outcome": c.outcome,
                "message": "not requested in options.checks: this answer says nothing of it",
            }
            for c in checks
            if c.outcome == "not_requested"
        ],
        "errors": [_error(c.name, c.code, c.message) for c in checks if c.ok is False],
        "result": result.to_json(),
    }


def _error(check: str, code: str | None, message: str | None) -> dict[str, Any]:
    if code is None:  # A failed check always carries a code; this keeps the answer honest.
        return {"check": check, "detail": message or "failed"}
    problem = problem_of(code)
    return {
        "type": problem.type,
        "title": problem.title,
        "detail": message or problem.title,
        "code": code,
        "kind": problem.kind,
        "check": check,
    }


def _names(types: Any, name: str) -> bool:
    return types == name or (isinstance(types, list) and name in types)


def _form(media: str) -> Format | None:
    subtype = media.strip().lower().removeprefix(_MEDIA_PREFIX)
    return Format._value2member_map_.get(subtype)  # type: ignore[return-value]
