"""The holder's side of SD-JWT: choosing which Disclosures to present (RFC 9901 §5.1).

The holder names claims by JSON pointer (RFC 6901) into the *fully disclosed* credential —
``/licenseNumber``, ``/achievement/name``, ``/nationalities/1`` — and presents:

- the Disclosure of each named claim, if it is concealed;
- every Disclosure on the way to it (§5.1: a nested claim needs its enclosing Disclosures,
  or the verifier cannot reach its digest), and
- every Disclosure inside it, so a named object or array is shown whole (with
  ``whole=False``, only what the named claim itself needs: its concealed members stay
  concealed unless named too).

Nothing else is presented; a pointer naming no claim is ``selection.pointer_invalid``.
Array indexes count the elements of the fully disclosed array, decoys excluded, which are
the indexes of the claims as issued. Key binding is added afterwards
(:func:`vc_core.sdjwt.kb.create_key_binding`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from vc_core.errors import SelectionError
from vc_core.jose.jws import parse_jws
from vc_core.sdjwt.disclosure import Path, parse_pointer, sd_digest
from vc_core.sdjwt.process import Processed, process_disclosures
from vc_core.sdjwt.serialization import SdJwt

__all__ = ["disclosure_paths", "select_disclosures"]


def disclosure_paths(sd_jwt: SdJwt) -> Processed:
    """Process the holder's own SD-JWT with all its Disclosures (signature not checked)."""
    return process_disclosures(parse_jws(sd_jwt.jwt).payload, sd_jwt.disclosures)


def _exists(claims: Any, path: Path) -> bool:
    node = claims
    for segment in path:
        if isinstance(node, dict) and segment in node:
            node = node[segment]
        elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
            node = node[int(segment)]
        else:
            return False
    return True


def _related(path: Path, wanted: Path, whole: bool) -> bool:
    if len(path) > len(wanted):
        return whole and path[: len(wanted)] == wanted
    return wanted[: len(path)] == path


def select_disclosures(sd_jwt: SdJwt, pointers: Iterable[str], *, whole: bool = True) -> SdJwt:
    """``sd_jwt`` with only the Disclosures the claims at ``pointers`` need (no KB-JWT)."""
    processed = disclosure_paths(sd_jwt)
    wanted = []
    for text in pointers:
        path = parse_pointer(text)
        if not _exists(processed.claims, path):
            raise SelectionError(
                "selection.pointer_invalid", f"{text[:80]} names no claim", pointer=text[:200]
            )
        wanted.append(path)
    keep = {
        digest
        for digest, path in processed.paths.items()
        if any(_related(path, w, whole) for w in wanted)
    }
    return sd_jwt.with_disclosures([d for d in sd_jwt.disclosures if sd_digest(d) in keep])
