"""The JOSE forms of a JP-profile credential: SD-JWT VC claims, ``vct``, pointers, schemas.

One register record, one disclosure policy, three securing formats (ARCHITECTURE.md,
"Credential formats"):

- **SD-JWT VC** (``dc+sd-jwt``, draft-ietf-oauth-sd-jwt-vc §3.2): the holder's register
  entry becomes flat JWT claims — the ``credentialSubject`` members (``licenseNumber``,
  ``familyName`` …, and the ``achievement`` object) at the top level, ``awardedDate`` beside
  them, ``sub`` for the holder's id, ``iss`` for the board — and the credential type is
  ``vct``, one per qualification: ``https://w3id.org/shikaku/jp-nq/vct/<catalogue id>``
  (:func:`vct_for`), under the project namespace like every other IRI we mint. Claim paths
  drop the ``/credentialSubject`` prefix: ``/licenseNumber``, ``/achievement/name``.
- **VC-JOSE-COSE** ``vc+jwt`` and ``vc+sd-jwt`` (W3C, §3.1.1 and §3.2.1): the W3C credential
  itself is the payload, with the same selective pointers.

Selectively disclosable are the policy's *selective* and *hidden-by-default* fields, and
each element of ``completedTraining`` besides the whole array, so a holder can show one
training without the others (RFC 9901 §4.2.6, recursive disclosures). Everything
*always visible* stays in the signed payload.

Schemas (the "schema of the qualification on the disclosed payload"): an SD-JWT VC's
disclosed claims are checked against :data:`SD_JWT_VC_SCHEMA_V1`, a JSON Schema built on
the JP profile's own definitions (``credential-v1.json#/$defs/subjectProperties``), then
against the catalogue exactly as an ecdsa-sd-2023 derivation is; a W3C form, stripped of its
JWT claims, against the credential schema (``vc+jwt``) or the disclosed schema without its
``proof`` requirement (``vc+sd-jwt``: the proof is the JWS that envelops it).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any, Final

from vc_core.errors import SchemaError
from vc_schemas.catalogue import Catalogue, default_catalogue
from vc_schemas.checking import SchemaCheck
from vc_schemas.guard import FieldError, scan_forbidden
from vc_schemas.namespace import CREDENTIAL_SCHEMA_V1, DISCLOSED_SCHEMA_V1, NAMESPACE
from vc_schemas.policy import DisclosurePolicy, disclosure_policy, pointer_value
from vc_schemas.registry import schemas
from vc_schemas.validate import entry_problems

__all__ = [
    "JWT_CLAIMS",
    "SD_JWT_VC_SCHEMA_V1",
    "VCT_BASE",
    "SdJwtVcClaims",
    "enveloped_problems",
    "qualification_of_vct",
    "sd_jwt_vc_claims",
    "sd_jwt_vc_problems",
    "validate_enveloped",
    "validate_sd_jwt_vc",
    "vct_for",
    "w3c_sd_pointers",
]

VCT_BASE: Final = f"{NAMESPACE}/vct"
#: JSON Schema (2020-12) of the disclosed claims of a JP-profile SD-JWT VC.
SD_JWT_VC_SCHEMA_V1: Final = f"{NAMESPACE}/schemas/sd-jwt-vc-v1.json"
#: Registered JWT claims a JOSE form adds around the credential (RFC 7519 §4.1, RFC 7800,
#: draft-ietf-oauth-status-list §6.1, SD-JWT VC §3.2.2).
JWT_CLAIMS: Final = frozenset(
    {"iss", "sub", "aud", "iat", "nbf", "exp", "jti", "cnf", "status", "vct", "vct#integrity"}
)
_SUBJECT: Final = "/credentialSubject"
_CODE: Final = "schema.credential_invalid"
_ID: Final = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")


def vct_for(qualification_id: str) -> str:
    """The SD-JWT VC type of a qualification: ``…/jp-nq/vct/<catalogue id>``."""
    if not _ID.fullmatch(qualification_id):
        raise SchemaError("schema.unknown_qualification", f"{qualification_id[:40]!r}")
    return f"{VCT_BASE}/{qualification_id}"


def qualification_of_vct(vct: str) -> str | None:
    """The catalogue id a ``vct`` of ours names, or ``None`` for another type."""
    prefix = VCT_BASE + "/"
    if isinstance(vct, str) and vct.startswith(prefix) and _ID.fullmatch(vct[len(prefix) :]):
        return vct[len(prefix) :]
    return None


@dataclass(frozen=True)
class SdJwtVcClaims:
    """The SD-JWT VC claims of a credential (without ``iat``, ``nbf``, ``exp``, ``cnf`` and
    ``status``, which the issuing service adds) and the pointers to conceal."""

    claims: dict[str, Any]
    sd_pointers: tuple[str, ...]
    qualification_id: str


def _qualification_id(credential: Mapping[str, Any]) -> str:
    found, code = pointer_value(credential, f"{_SUBJECT}/achievement/humanCode")
    if not found or not isinstance(code, str):
        raise SchemaError(_CODE, "the credential names no qualification (achievement.humanCode)")
    return code


def _issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str):
        raise SchemaError(_CODE, "the credential has no issuer id")
    return issuer_id


def _concealed(policy: DisclosurePolicy) -> tuple[str, ...]:
    return policy.selectively_disclosable + policy.hidden_by_default


def _with_elements(document: Mapping[str, Any], pointers: Iterable[str]) -> tuple[str, ...]:
    """The pointers present in ``document``, each array also element by element."""
    out: list[str] = []
    for text in pointers:
        found, value = pointer_value(document, text)
        if not found:
            continue
        out.append(text)
        if isinstance(value, list):
            out.extend(f"{text}/{index}" for index in range(len(value)))
    return tuple(out)


def sd_jwt_vc_claims(
    credential: Mapping[str, Any],
    *,
    policy: DisclosurePolicy | None = None,
    catalogue: Catalogue | None = None,
) -> SdJwtVcClaims:
    """The SD-JWT VC claims and concealed pointers of a JP-profile W3C credential."""
    qualification = _qualification_id(credential)
    policy = policy or disclosure_policy(qualification, catalogue=catalogue)
    subject = credential.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise SchemaError(_CODE, "the credential has no credentialSubject")
    claims: dict[str, Any] = {"iss": _issuer_id(credential), "vct": vct_for(qualification)}
    if isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    if "awardedDate" in credential:
        claims["awardedDate"] = credential["awardedDate"]
    claims.update({k: v for k, v in subject.items() if k not in ("id", "type")})
    pointers = [p.removeprefix(_SUBJECT) for p in _concealed(policy) if p.startswith(_SUBJECT)]
    # The claims share nested values with the credential; issuing builds new containers
    # (vc_core.sdjwt.issue), so nothing here is ever mutated.
    return SdJwtVcClaims(claims, _with_elements(claims, pointers), policy.qualification_id)


def w3c_sd_pointers(
    credential: Mapping[str, Any], *, policy: DisclosurePolicy | None = None
) -> tuple[str, ...]:
    """The pointers a ``vc+sd-jwt`` conceals: the policy's selective and hidden fields."""
    policy = policy or disclosure_policy(_qualification_id(credential))
    return _with_elements(credential, _concealed(policy))


@cache
def _sd_jwt_vc_schema() -> dict[str, Any]:
    defs = f"{CREDENTIAL_SCHEMA_V1}#/$defs"
    numeric_date = {"type": "integer", "minimum": 0}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SD_JWT_VC_SCHEMA_V1,
        "title": "Japanese national qualification as an SD-JWT VC (dc+sd-jwt), disclosed, v1",
        "type": "object",
        "$ref": f"{defs}/subjectProperties",
        "required": ["iss", "vct", "iat", "achievement"],
        "properties": {
            "iss": {"$ref": f"{defs}/uri"},
            "sub": {"$ref": f"{defs}/uri"},
            "vct": {"type": "string", "pattern": f"^{re.escape(VCT_BASE)}/[a-z][a-z0-9-]*$"},
            "iat": numeric_date,
            "nbf": numeric_date,
            "exp": numeric_date,
            "awardedDate": {"$ref": f"{defs}/dateTime"},
            "cnf": {
                "type": "object",
                "required": ["jwk"],
                "properties": {"jwk": {"type": "object"}, "x5t#S256": {"type": "string"}},
                "additionalProperties": False,
            },
            "status": {
                "type": "object",
                "required": ["status_list"],
                "properties": {
                    name: {
                        "type": "object",
                        "required": ["idx", "uri"],
                        "properties": {
                            "idx": {"type": "integer", "minimum": 0},
                            "uri": {"$ref": f"{defs}/uri"},
                        },
                    }
                    # The revocation list, and shikaku's reference to the suspension list.
                    for name in ("status_list", "shikaku_suspension_list")
                },
            },
        },
        "unevaluatedProperties": False,
    }


@cache
def _enveloped_disclosed_schema() -> dict[str, Any]:
    # The disclosed schema requires an embedded proof; a JOSE form's proof is its envelope.
    schema = copy.deepcopy(dict(schemas()[DISCLOSED_SCHEMA_V1]))
    schema["$id"] = f"{NAMESPACE}/schemas/disclosed-enveloped-v1.json"
    schema["required"] = [r for r in schema["required"] if r != "proof"]
    return schema


@cache
def _validator(kind: str) -> SchemaCheck:
    documents = dict(schemas())
    own = {
        "sd-jwt-vc": _sd_jwt_vc_schema,
        "sd-jwt-vc-rest": _sd_jwt_vc_rest_schema,
        "achievement": _achievement_schema,
    }.get(kind, _enveloped_disclosed_schema)()
    documents[own["$id"]] = own
    if kind != "sd-jwt-vc":
        documents[SD_JWT_VC_SCHEMA_V1] = _sd_jwt_vc_schema()
    if kind == "credential":
        return SchemaCheck(documents[CREDENTIAL_SCHEMA_V1], documents)
    return SchemaCheck(own, documents)


# Speed (bench/sdjwt_bench.py): the achievement is most of an SD-JWT VC's disclosed payload and
# is the same in every credential of one qualification and authority. Its schema and guard
# results are pure functions of its content, so they are cached by its canonical JSON, and
# the rest of the claims is checked against the same schema without it.


def _inline(node: Any) -> Any:
    """A copy of a subschema with every reference into credential-v1's ``$defs`` replaced by
    the definition itself (they do not recurse), so that validating needs no lookups."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if (
            isinstance(ref, str)
            and "#/$defs/" in ref
            and ref.split("#")[0] in ("", CREDENTIAL_SCHEMA_V1)
        ):
            name = ref.rsplit("/", 1)[-1]
            target = _inline(schemas()[CREDENTIAL_SCHEMA_V1]["$defs"][name])
            return {**target, **{k: _inline(v) for k, v in node.items() if k != "$ref"}}
        return {k: _inline(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(v) for v in node]
    return node


@cache
def _sd_jwt_vc_rest_schema() -> dict[str, Any]:
    # The same constraints as SD_JWT_VC_SCHEMA_V1 without the achievement, written with
    # ``properties`` and ``additionalProperties`` (which jsonschema checks in one pass)
    # instead of a $ref and ``unevaluatedProperties`` (which it evaluates twice), and with
    # the definitions inlined (each $ref costs a registry lookup per validation).
    full = _sd_jwt_vc_schema()
    subject = _inline(schemas()[CREDENTIAL_SCHEMA_V1]["$defs"]["subjectProperties"])
    properties = {**subject["properties"], **_inline(full["properties"])}
    del properties["achievement"]
    return {
        "$schema": full["$schema"],
        "$id": f"{NAMESPACE}/schemas/sd-jwt-vc-v1-without-achievement.json",
        "type": "object",
        "required": [r for r in full["required"] if r != "achievement"],
        "properties": properties,
        "additionalProperties": False,
        "not": subject["not"],
    }


@cache
def _achievement_schema() -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{NAMESPACE}/schemas/achievement-v1.json",
        "$ref": f"{CREDENTIAL_SCHEMA_V1}#/$defs/achievement",
    }


@lru_cache(maxsize=1024)
def _achievement_problems(canonical: str) -> tuple[FieldError, ...]:
    achievement = json.loads(canonical)
    found = [
        FieldError(f"/achievement{p.field}".rstrip("/") or "/", p.code, p.message)
        for p in _schema_problems(achievement, "achievement")
    ]
    return tuple(found + _forbidden({"achievement": achievement}))


def _pointer(path: Iterable[str | int]) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)


def _schema_problems(document: Any, kind: str) -> list[FieldError]:
    return _validator(kind).problems(document)


def _forbidden(document: Mapping[str, Any]) -> list[FieldError]:
    # JOSE claims (cnf carries the JPKI certificate's thumbprint by design) are not content.
    content = {k: v for k, v in document.items() if k not in JWT_CLAIMS and k != "@context"}
    return [
        FieldError("/" + re.sub(r"\[(\d+)\]", r"/\1", e.field).replace(".", "/"), e.code, e.message)
        for e in scan_forbidden(content)
    ]


def _catalogue_problems(
    document: Any, subject: Any, kind: str, catalogue: Catalogue | None
) -> list[FieldError]:
    achievement = subject.get("achievement") if isinstance(subject, Mapping) else None
    code = achievement.get("humanCode") if isinstance(achievement, Mapping) else None
    if not isinstance(code, str):
        return []
    entry = next((q for q in catalogue or default_catalogue() if q.id == code), None)
    if entry is None:
        where = "/achievement/humanCode"
        prefix = "" if kind == "sd-jwt-vc" else _SUBJECT
        return [FieldError(prefix + where, _CODE, "not in the catalogue")]
    problems = entry_problems(
        document, subject, entry, "credential" if kind == "credential" else "disclosed"
    )
    if kind == "sd-jwt-vc":
        problems = [FieldError(p.field.removeprefix(_SUBJECT), p.code, p.message) for p in problems]
        if document.get("vct") != vct_for(entry.id):
            problems.append(FieldError("/vct", _CODE, f"should be {vct_for(entry.id)}"))
    return problems


def sd_jwt_vc_problems(
    claims: Mapping[str, Any], *, catalogue: Catalogue | None = None
) -> list[FieldError]:
    """Every problem of the disclosed claims of a JP-profile SD-JWT VC (empty when fine)."""
    achievement = claims.get("achievement")
    if isinstance(achievement, Mapping):
        rest = {k: v for k, v in claims.items() if k != "achievement"}
        canonical = json.dumps(achievement, sort_keys=True, ensure_ascii=False)
        problems = [
            *_schema_problems(rest, "sd-jwt-vc-rest"),
            *_achievement_problems(canonical),
            *_forbidden(rest),
        ]
    else:
        problems = _schema_problems(claims, "sd-jwt-vc") + _forbidden(claims)
    return problems + _catalogue_problems(claims, claims, "sd-jwt-vc", catalogue)


def enveloped_problems(
    payload: Mapping[str, Any], *, disclosed: bool, catalogue: Catalogue | None = None
) -> list[FieldError]:
    """Every problem of a ``vc+jwt`` (``disclosed`` False) or disclosed ``vc+sd-jwt``."""
    credential = {k: v for k, v in payload.items() if k not in JWT_CLAIMS}
    kind = "disclosed" if disclosed else "credential"
    problems = _schema_problems(credential, kind) + _forbidden(credential)
    subject = credential.get("credentialSubject")
    return problems + _catalogue_problems(credential, subject, kind, catalogue)


def _raise(problems: list[FieldError]) -> None:
    if problems:
        first = problems[0]
        raise SchemaError(
            _CODE,
            f"{len(problems)} problem(s), first: {first.field}: {first.message}"[:500],
            errors=[p.to_dict() for p in problems],
        )


def validate_sd_jwt_vc(claims: Mapping[str, Any], *, catalogue: Catalogue | None = None) -> None:
    """Raise ``schema.credential_invalid`` with every problem of SD-JWT VC ``claims``."""
    _raise(sd_jwt_vc_problems(claims, catalogue=catalogue))


def validate_enveloped(
    payload: Mapping[str, Any], *, disclosed: bool, catalogue: Catalogue | None = None
) -> None:
    """Raise ``schema.credential_invalid`` with every problem of a W3C JOSE form's payload."""
    _raise(enveloped_problems(payload, disclosed=disclosed, catalogue=catalogue))
