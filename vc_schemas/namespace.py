"""The project's IRI namespace: our JSON-LD context, vocabulary, schemas and qualification IRIs.

Everything shikaku defines lives under ``https://w3id.org/shikaku/jp-nq/``. w3id.org is the
permanent-identifier service the JSON-LD and VC community uses for exactly this (the
security vocabulary lives at ``https://w3id.org/security/…``): a redirect rule, added by a
pull request to the w3id.org repository, points the path at whoever hosts the files, so the
IRIs inside every credential never change when hosting moves from one board or operator to
another. ``shikaku schemas contexts --out DIR`` writes the files to host; verifiers never
fetch them, because shikaku's loader serves the bundled, pinned copies (registry.py).

The names are versioned (``v1``): a published context or schema is never edited in place.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "CONTEXT_V1",
    "CREDENTIAL_SCHEMA_V1",
    "DISCLOSED_SCHEMA_V1",
    "NAMESPACE",
    "VOCAB",
    "authority_iri",
    "qualification_iri",
]

NAMESPACE: Final = "https://w3id.org/shikaku/jp-nq"
#: Our JSON-LD context, third in every credential's ``@context``.
CONTEXT_V1: Final = f"{NAMESPACE}/v1"
#: The vocabulary our context's terms expand to.
VOCAB: Final = f"{NAMESPACE}/vocab#"
#: JSON Schema (2020-12) of a full JP-profile credential.
CREDENTIAL_SCHEMA_V1: Final = f"{NAMESPACE}/schemas/credential-v1.json"
#: JSON Schema (2020-12) of a selectively disclosed (derived) JP-profile credential.
DISCLOSED_SCHEMA_V1: Final = f"{NAMESPACE}/schemas/disclosed-v1.json"


def qualification_iri(qualification_id: str) -> str:
    """The IRI of a qualification (the OB ``Achievement`` id)."""
    return f"{NAMESPACE}/q/{qualification_id}"


def authority_iri(authority_id: str, prefecture_code: str | None = None) -> str:
    """The IRI of a licensing authority (the OB ``achievement.creator`` id)."""
    base = f"{NAMESPACE}/authority/{authority_id}"
    return base if prefecture_code is None else f"{base}/{prefecture_code}"
