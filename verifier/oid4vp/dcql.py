"""DCQL queries from the qualification catalogue, and the ``vp_token`` held against them.

OpenID4VP 1.0 §6 (Digital Credentials Query Language): the employer asks for one
qualification under one of the catalogue's request profiles (:mod:`vc_schemas.policy`:
``employer`` — registration number, name and its reading, trainings, expiry — or
``qualification-only``, nothing selectively disclosable), in one or more formats:

- ``dc+sd-jwt``: ``meta.vct_values`` is the qualification's ``vct``
  (:func:`vc_schemas.sd_jwt_vc.vct_for`) and the claim paths are the SD-JWT VC's top-level
  claims (``["licenseNumber"]``);
- ``ldp_vc``: ``meta.type_values`` is the JP profile's types, as IRIs (the pinned contexts
  expand them so), and the paths go through
  ``credentialSubject`` (``["credentialSubject", "licenseNumber"]``); the holder answers with
  a Data Integrity presentation of an ``ecdsa-sd-2023`` derivation.

Each format is one credential query; with several, ``credential_sets`` offers them as
alternatives, so the wallet answers exactly one. Claims a holder may lack (the trainings:
not every nurse has one recorded) are optional through ``claim_sets``: the first set asks
for everything, the second for everything but the optional claims.

:func:`answer_of` reads the ``vp_token`` (§8.1: a JSON object keyed by credential query id,
each value a non-empty array) and returns the one presentation it must hold;
:func:`check_disclosed` refuses a verified credential that lacks a claim every claim set
asks for (``oid4vp.claims_missing``) or is not of the type asked for; :func:`shown` removes
from a verdict every register field the query did not ask for, so the employer never sees
what it did not request even when a wallet disclosed more.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from vc_core.errors import Oid4vpError, RequestError
from vc_schemas.catalogue import Catalogue, default_catalogue
from vc_schemas.policy import disclosure_policy
from vc_schemas.sd_jwt_vc import vct_for

__all__ = [
    "FORMATS",
    "PROFILES",
    "Query",
    "answer_of",
    "build_query",
    "check_disclosed",
    "shown",
]

#: The DCQL credential formats this verifier asks for.
FORMATS: Final = ("dc+sd-jwt", "ldp_vc")
#: The catalogue's request profiles (vc_schemas.policy).
PROFILES: Final = ("employer", "qualification-only")
_SUBJECT: Final = "/credentialSubject/"
#: Register fields a holder may not have; asked for, but not required.
_OPTIONAL: Final = frozenset({"completedTraining"})
#: The JP profile's types as the pinned contexts expand them (DCQL §B.1.1 asks for IRIs).
_LDP_TYPES: Final = {
    "VerifiableCredential": "https://www.w3.org/2018/credentials#VerifiableCredential",
    "OpenBadgeCredential": "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential",
    "JapaneseNationalQualificationCredential": (
        "https://w3id.org/shikaku/jp-nq/vocab#JapaneseNationalQualificationCredential"
    ),
}


@dataclass(frozen=True)
class Query:
    """A transaction's DCQL query and what it asked for, by credential query id."""

    qualification: str
    profile: str
    formats: tuple[str, ...]
    names: tuple[str, ...]
    """The register fields (``credentialSubject`` member names) the profile asks for."""
    hidden: tuple[str, ...]
    """Every selectively disclosable field of the qualification the profile does not ask for."""

    def query_id(self, form: str) -> str:
        """The credential query id of ``form`` (``kangoshi-sd-jwt``, ``kangoshi-ldp``)."""
        return f"{self.qualification}-{'sd-jwt' if form == 'dc+sd-jwt' else 'ldp'}"

    def form_of(self, query_id: str) -> str | None:
        return next((f for f in self.formats if self.query_id(f) == query_id), None)

    def to_json(self) -> dict[str, Any]:
        """The ``dcql_query`` parameter."""
        credentials = [self._credential(form) for form in self.formats]
        query: dict[str, Any] = {"credentials": credentials}
        if len(credentials) > 1:
            query["credential_sets"] = [
                {"options": [[c["id"]] for c in credentials], "required": True}
            ]
        return query

    def _credential(self, form: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"id": self.query_id(form), "format": form}
        if form == "dc+sd-jwt":
            entry["meta"] = {"vct_values": [vct_for(self.qualification)]}
        else:
            entry["meta"] = {"type_values": [list(_LDP_TYPES.values())]}
        entry["require_cryptographic_holder_binding"] = True
        if not self.names:
            return entry  # §6.1: no claims: only what is always disclosed.
        entry["claims"] = [{"id": name, "path": self._path(form, name)} for name in self.names]
        optional = [n for n in self.names if n in _OPTIONAL]
        if optional:
            required = [n for n in self.names if n not in _OPTIONAL]
            entry["claim_sets"] = [list(self.names), required]
        return entry

    @staticmethod
    def _path(form: str, name: str) -> list[str]:
        return [name] if form == "dc+sd-jwt" else ["credentialSubject", name]

    @property
    def required(self) -> tuple[str, ...]:
        """The fields the last (smallest) claim set still asks for."""
        return tuple(n for n in self.names if n not in _OPTIONAL)


def build_query(
    qualification: str,
    profile: str,
    formats: Sequence[str] = ("dc+sd-jwt",),
    *,
    catalogue: Catalogue | None = None,
) -> Query:
    """The query for ``qualification`` under request ``profile`` in ``formats``.

    An unknown qualification is ``schema.unknown_qualification``, an unknown profile
    ``schema.request_unknown``, a format outside :data:`FORMATS` ``request.invalid``.
    """
    policy = disclosure_policy(qualification, catalogue=catalogue or default_catalogue())
    pointers = policy.request(profile).pointers
    chosen = tuple(dict.fromkeys(formats))
    if not chosen or any(f not in FORMATS for f in chosen):
        raise RequestError("request.invalid", f"formats must be among {', '.join(FORMATS)}")
    names = tuple(p.removeprefix(_SUBJECT) for p in pointers)
    disclosable = policy.selectively_disclosable + policy.hidden_by_default
    hidden = tuple(
        p.removeprefix(_SUBJECT) for p in disclosable if p.removeprefix(_SUBJECT) not in names
    )
    return Query(policy.qualification_id, profile, chosen, names, hidden)


def answer_of(query: Query, vp_token: Any) -> tuple[str, Any]:
    """``(format, presentation)``: the one presentation ``vp_token`` answers ``query`` with.

    The token must be an object whose members are credential query ids of ``query``, each a
    non-empty array; exactly one presentation in all (one qualification is asked for, and
    one nonce is consumed by one presentation).
    """
    if not isinstance(vp_token, Mapping) or not vp_token:
        raise Oid4vpError(
            "oid4vp.response_invalid",
            "vp_token must be a JSON object keyed by credential query id",
        )
    answers: list[tuple[str, Any]] = []
    for query_id, values in vp_token.items():
        form = query.form_of(str(query_id))
        if form is None:
            raise Oid4vpError(
                "oid4vp.query_unsatisfied", f"no credential query {str(query_id)[:60]!r} was made"
            )
        if not isinstance(values, list) or not values:
            raise Oid4vpError(
                "oid4vp.response_invalid",
                f"vp_token[{str(query_id)[:60]!r}] must be a non-empty array of presentations",
            )
        answers.extend((form, value) for value in values)
    if len(answers) != 1:
        raise Oid4vpError(
            "oid4vp.query_unsatisfied", f"one presentation was asked for, {len(answers)} came"
        )
    form, presentation = answers[0]
    if form == "dc+sd-jwt" and not isinstance(presentation, str):
        raise Oid4vpError("oid4vp.response_invalid", "a dc+sd-jwt presentation is a string")
    if form == "ldp_vc" and not isinstance(presentation, Mapping):
        raise Oid4vpError("oid4vp.response_invalid", "an ldp_vc presentation is a JSON object")
    return form, presentation


def check_disclosed(query: Query, form: str, credential: Mapping[str, Any]) -> None:
    """Refuse a verified credential of another type, or one that withheld a required claim."""
    if form == "dc+sd-jwt":
        if credential.get("vct") != vct_for(query.qualification):
            raise Oid4vpError("oid4vp.query_unsatisfied", "the credential is of another vct")
        claims: Mapping[str, Any] = credential
    else:
        types = credential.get("type")
        if not isinstance(types, list) or not all(t in types for t in _LDP_TYPES):
            raise Oid4vpError("oid4vp.query_unsatisfied", "the credential is of another type")
        subject = credential.get("credentialSubject")
        claims = subject if isinstance(subject, Mapping) else {}
        achievement = claims.get("achievement")
        code = achievement.get("humanCode") if isinstance(achievement, Mapping) else None
        if code != query.qualification:
            raise Oid4vpError(
                "oid4vp.query_unsatisfied", "the credential is of another qualification"
            )
    missing = [name for name in query.required if name not in claims]
    if missing:
        raise Oid4vpError(
            "oid4vp.claims_missing",
            f"the query asked for {', '.join(missing)}, which the presentation did not disclose",
            missing=missing,
        )


def shown(query: Query, verdict: Mapping[str, Any]) -> dict[str, Any]:
    """``verdict`` (``VerificationResult.to_json``) without the fields the query did not ask
    for, at every level it may carry them (subject, credential, carried credentials)."""
    return _strip(verdict, query.hidden)


def _strip(node: Mapping[str, Any], hidden: Iterable[str]) -> dict[str, Any]:
    names = frozenset(hidden)
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in names:
            continue
        if key in ("subject", "credential", "credentialSubject") and isinstance(value, Mapping):
            out[key] = _strip(value, names)
        elif key in ("credentials", "verifiableCredential") and isinstance(value, list):
            out[key] = [_strip(v, names) if isinstance(v, Mapping) else v for v in value]
        else:
            out[key] = value
    return out
