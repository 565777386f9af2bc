"""Default disclosure policy per qualification, as JSON pointers for ecdsa-sd-2023.

Every field of a JP-profile credential is in exactly one class:

* **always visible**: what makes the credential checkable at all (its id, issuer,
  validity, ``awardedDate``, status and schema entries, the holder's id and the whole
  achievement: which qualification, whose authority, under which law). These are the
  ``mandatoryPointers`` of the ecdsa-sd-2023 base proof (VC DI ECDSA, "Base Proof"), so no
  derivation can leave them out.
* **selectively disclosable**: the holder's register entry (登録番号, 氏名 and its reading,
  旧姓, 生年月日, 試験合格年月, training, expiry), revealed only when the holder chooses.
* **hidden by default**: 本籍, 国籍, 性別. MHLW's fair-recruitment guidance (公正な採用選考)
  lists 本籍 among the items employers must not collect; no request profile asks for them,
  and :meth:`DisclosurePolicy.hidden_in` lets a wallet warn before a holder reveals one.

A request profile is a named selection a verifier may ask for. ``employer`` is what a
hospital, care provider or tax firm needs to employ the holder: the registration number
and the name (with its reading) to record, the trainings the register records (臨床研修修了
decides whether a physician may manage a clinic) and the expiry of an expiring
qualification. Not the date of birth: the JPKI binding already proves who is presenting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Final, Literal

from vc_core.di.sd_primitives import json_pointer_to_paths
from vc_core.errors import SchemaError
from vc_schemas.catalogue import Catalogue, Qualification, default_catalogue
from vc_schemas.text import Text

__all__ = [
    "ALWAYS_VISIBLE",
    "Disclosure",
    "DisclosurePolicy",
    "RequestProfile",
    "disclosure_policy",
    "pointer_value",
]

Disclosure = Literal["always", "selective", "hidden"]

_SUBJECT: Final = "/credentialSubject"
ALWAYS_VISIBLE: Final = (
    "/id",
    "/type",
    "/name",
    "/issuer",
    "/validFrom",
    "/validUntil",
    "/awardedDate",
    "/credentialStatus",
    "/credentialSchema",
    f"{_SUBJECT}/id",
    f"{_SUBJECT}/type",
    f"{_SUBJECT}/achievement",
)
_SELECTIVE: Final = (
    "licenseNumber",
    "familyName",
    "givenName",
    "familyNameKana",
    "givenNameKana",
    "formerFamilyName",
    "formerFamilyNameKana",
    "dateOfBirth",
    "examPassedYearMonth",
    "completedTraining",
    "licenseExpiryDate",
)
_HIDDEN: Final = ("registeredSex", "registeredDomicilePrefecture", "nationality")
_EMPLOYER: Final = (
    "licenseNumber",
    "familyName",
    "givenName",
    "familyNameKana",
    "givenNameKana",
    "completedTraining",
    "licenseExpiryDate",
)


@dataclass(frozen=True)
class RequestProfile:
    """A named selection of fields a verifier may request (selective pointers)."""

    name: str
    label: Text
    pointers: tuple[str, ...]


#: Pointers up to this length have their steps cached (longer ones are parsed each time).
_CACHED_POINTER: Final = 200


@lru_cache(maxsize=1024)
def _paths(pointer: str) -> tuple[str | int, ...]:
    """A pointer's parsed steps, cached: the policies' few pointers are read for every
    credential (a malformed pointer raises each time; errors are not cached)."""
    return tuple(json_pointer_to_paths(pointer))


def pointer_value(document: Any, pointer: str) -> tuple[bool, Any]:
    """``(True, value)`` at an RFC 6901 ``pointer`` in ``document``, or ``(False, None)``.

    A malformed pointer raises ``selection.pointer_invalid`` (vc_core's jsonPointerToPaths).
    """
    node = document
    short = isinstance(pointer, str) and len(pointer) <= _CACHED_POINTER
    for path in _paths(pointer) if short else json_pointer_to_paths(pointer):
        if isinstance(path, int) and isinstance(node, list) and path < len(node):
            node = node[path]
        elif isinstance(node, Mapping) and str(path) in node:
            node = node[str(path)]
        else:
            return False, None
    return True, node


@dataclass(frozen=True)
class DisclosurePolicy:
    """Which fields of one qualification's credentials are always, optionally, never shown."""

    qualification_id: str
    always_visible: tuple[str, ...]
    selectively_disclosable: tuple[str, ...]
    hidden_by_default: tuple[str, ...]
    requests: Mapping[str, RequestProfile]

    def classify(self, pointer: str) -> Disclosure | None:
        """The class of the field ``pointer`` names or lies inside; ``None`` when unknown."""
        for disclosure, pointers in (
            ("always", self.always_visible),
            ("selective", self.selectively_disclosable),
            ("hidden", self.hidden_by_default),
        ):
            if any(pointer == p or pointer.startswith(p + "/") for p in pointers):
                return disclosure  # type: ignore[return-value]
        return None

    def mandatory_pointers(self, credential: Mapping[str, Any]) -> list[str]:
        """The always-visible pointers present in ``credential`` (for the base proof)."""
        return [p for p in self.always_visible if pointer_value(credential, p)[0]]

    def request(self, name: str) -> RequestProfile:
        """The request profile called ``name``; ``schema.request_unknown`` otherwise."""
        profile = self.requests.get(name)
        if profile is None:
            raise SchemaError(
                "schema.request_unknown",
                f"no request profile {name[:40]!r}; known: {', '.join(sorted(self.requests))}",
            )
        return profile

    def selective_pointers(self, credential: Mapping[str, Any], request: str) -> list[str]:
        """The pointers of request profile ``request`` present in ``credential`` (for derive)."""
        return [p for p in self.request(request).pointers if pointer_value(credential, p)[0]]

    def hidden_in(self, pointers: Sequence[str]) -> list[str]:
        """The pointers among ``pointers`` that reveal a hidden-by-default field."""
        return [p for p in pointers if self.classify(p) == "hidden"]


def disclosure_policy(
    qualification: str | Qualification, *, catalogue: Catalogue | None = None
) -> DisclosurePolicy:
    """The default policy for one qualification: only the fields its register can hold."""
    entry = (
        qualification
        if isinstance(qualification, Qualification)
        else (catalogue or default_catalogue()).get(qualification)
    )
    present = set(_SELECTIVE) | set(_HIDDEN)
    if not entry.trainings:
        present.discard("completedTraining")
    if not entry.renewal.expires:
        present.discard("licenseExpiryDate")
    if entry.records_sex is not True:
        present.discard("registeredSex")

    def pointers(names: Sequence[str]) -> tuple[str, ...]:
        return tuple(f"{_SUBJECT}/{n}" for n in names if n in present)

    requests = {
        "employer": RequestProfile(
            "employer", Text(ja="雇用主（採用・配置）", en="Employer"), pointers(_EMPLOYER)
        ),
        "qualification-only": RequestProfile(
            "qualification-only", Text(ja="資格の有無のみ", en="Qualification only"), ()
        ),
    }
    return DisclosurePolicy(
        qualification_id=entry.id,
        always_visible=ALWAYS_VISIBLE,
        selectively_disclosable=pointers(_SELECTIVE),
        hidden_by_default=pointers(_HIDDEN),
        requests=requests,
    )
