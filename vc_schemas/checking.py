"""One JSON Schema (draft 2020-12), answered fast and explained in detail.

Every credential a verifier sees is held against shikaku's JSON Schemas. python-jsonschema
explains a failure well — each error's JSON path and message, which the schema check reports
field by field — but it takes about 0.4 ms to pass a valid JP-profile credential, a third of
a whole SD-JWT verification. jsonschema-rs answers "valid or not" about a hundred times
faster. :class:`SchemaCheck` asks jsonschema-rs first and runs python-jsonschema only for a
document that fails, to say why.

Both validators must give the same answer, or the fast one would pass what the detailed one
refuses. ``tests/vc_schemas/test_checking.py`` holds them to it on generated and mutated
credentials; and here, should they ever disagree on a document (jsonschema-rs refuses, the
detailed pass finds nothing), the document fails with a problem that says so: never a pass.
Formats are annotations in both (draft 2020-12's default), and a document the fast validator
cannot take (an integer beyond 64 bits) goes the detailed way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

import jsonschema_rs
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

from vc_schemas.guard import FieldError

__all__ = ["SchemaCheck"]

_CODE: Final = "schema.credential_invalid"


def _pointer(path: Iterable[str | int]) -> str:
    return "".join(f"/{str(p).replace('~', '~0').replace('/', '~1')}" for p in path)


class SchemaCheck:
    """``schema`` with the other schemas it refers to (``documents``: ``$id`` → schema)."""

    def __init__(self, schema: Mapping[str, Any], documents: Mapping[str, Mapping[str, Any]]):
        registry: Registry[Any] = Registry().with_resources(
            (url, Resource.from_contents(dict(document))) for url, document in documents.items()
        )
        self.detailed = Draft202012Validator(dict(schema), registry=registry)
        self.fast = jsonschema_rs.Draft202012Validator(
            dict(schema),
            registry=jsonschema_rs.Registry([(url, dict(d)) for url, d in documents.items()]),
            validate_formats=False,
        )

    def is_valid_fast(self, document: Any) -> bool | None:
        """jsonschema-rs's answer, or None when it cannot take ``document``."""
        try:
            return bool(self.fast.is_valid(document))
        except (ValueError, TypeError, OverflowError):
            return None

    def problems(self, document: Any) -> list[FieldError]:
        """Every way ``document`` breaks the schema, by JSON pointer (empty when it is valid)."""
        if self.is_valid_fast(document) is True:
            return []
        errors = sorted(self.detailed.iter_errors(document), key=lambda e: list(e.absolute_path))
        found = [FieldError(_pointer(e.absolute_path) or "/", _CODE, e.message) for e in errors]
        if not found and self.is_valid_fast(document) is False:
            return [FieldError("/", _CODE, "refused by the schema (the validators disagree)")]
        return found
