"""Reading the SD-JWT test specifications (YAML with ``!sd`` tags) and their settings.

Both published sets — the RFC 9901 examples (oauth-wg/oauth-selective-disclosure-jwt
``examples/*/specification.yml``) and the sd-jwt-python test cases
(``tests/testcases/*/specification.yml``) — mark selectively disclosable claims with the
YAML tag ``!sd``, on a mapping key (``!sd given_name: John``) or on an array element
(``[!sd "US", "DE"]``). :func:`load_spec` turns a specification into plain claims plus the
JSON pointers our issuer takes; :func:`holder_pointers` turns ``holder_disclosed_claims``
into the pointers our holder takes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from vc_core.keys import AnyPublicKey, SoftwareKey, private_key_from_jwk, public_key_from_jwk
from vc_core.sdjwt import parse_pointer, pointer

RFC_EXAMPLES = "sd-jwt-rfc9901-examples"
PYTHON_CASES = "sd-jwt-python-testcases/tests/testcases"
KB_NONCE = "1234567890"
#: Claims the generators add around the user claims (and that the expectations leave out).
DEFAULT_CLAIMS = frozenset({"iss", "iat", "exp", "cnf"})


@dataclass(frozen=True)
class _Sd:
    """A value (or mapping key) tagged ``!sd``."""

    value: Any


class _Loader(yaml.SafeLoader):
    """SafeLoader plus the ``!sd`` tag."""


def _construct_sd(loader: yaml.SafeLoader, node: yaml.Node) -> _Sd:
    if isinstance(node, yaml.ScalarNode):
        # Resolve the scalar's own type (null, bool, int, str) as if it were untagged.
        tag = loader.resolve(yaml.ScalarNode, node.value, (node.style is None, False))  # type: ignore[no-untyped-call]
        plain = yaml.ScalarNode(tag, node.value, style=node.style)
        return _Sd(loader.construct_object(plain, deep=True))
    if isinstance(node, yaml.MappingNode):
        return _Sd(loader.construct_mapping(node, deep=True))
    assert isinstance(node, yaml.SequenceNode)
    return _Sd(loader.construct_sequence(node, deep=True))


_Loader.add_constructor("!sd", _construct_sd)


def _plain(node: Any, path: tuple[str, ...], pointers: list[str]) -> Any:
    if isinstance(node, _Sd):
        pointers.append(pointer(path))
        return _plain(node.value, path, pointers)
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            name = key.value if isinstance(key, _Sd) else key
            name = str(name)
            if isinstance(key, _Sd):
                pointers.append(pointer((*path, name)))
            out[name] = _plain(value, (*path, name), pointers)
        return out
    if isinstance(node, list):
        return [_plain(v, (*path, str(i)), pointers) for i, v in enumerate(node)]
    return node


def claims_and_pointers(tagged: Any) -> tuple[dict[str, Any], list[str]]:
    """Plain claims and the pointers of every ``!sd``-tagged key or element."""
    pointers: list[str] = []
    claims = _plain(tagged, (), pointers)
    assert isinstance(claims, dict)
    return claims, pointers


def holder_pointers(spec: Any, path: tuple[str, ...] = ()) -> Iterator[str]:
    """``holder_disclosed_claims`` as pointers, with sd-jwt-python's meaning.

    A member or element whose value is truthy (``true``, a non-empty object or array) is
    disclosed, and only that claim: its own concealed members only when named inside it.
    ``null``, ``false`` and ``{}`` disclose nothing. Present these pointers with
    ``select_disclosures(..., whole=False)``.
    """
    items: list[tuple[str, Any]] = []
    if isinstance(spec, dict):
        items = [(str(k), v) for k, v in spec.items()]
    elif isinstance(spec, list):
        items = [(str(i), v) for i, v in enumerate(spec)]
    for segment, value in items:
        if value:
            yield pointer((*path, segment))
        if isinstance(value, dict | list):
            yield from holder_pointers(value, (*path, segment))


def existing(claims: Any, pointers: Iterator[str]) -> list[str]:
    """The pointers that name a claim of ``claims`` (sd-jwt-python ignores the others)."""
    found = []
    for text in pointers:
        node = claims
        for segment in parse_pointer(text):
            if isinstance(node, dict) and segment in node:
                node = node[segment]
            elif isinstance(node, list) and segment.isdigit() and int(segment) < len(node):
                node = node[int(segment)]
            else:
                break
        else:
            found.append(text)
    return found


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)


@dataclass(frozen=True)
class Settings:
    """A ``settings.yml``: the issuer keys, the holder key and the fixed times."""

    issuer: str
    verifier: str
    issuer_keys: tuple[dict[str, Any], ...]
    holder_key: dict[str, Any]
    iat: int
    exp: int

    @classmethod
    def read(cls, path: Path, override: dict[str, Any] | None = None) -> Settings:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        if override:
            data = {**data, **override}
        keys = data["key_settings"]
        return cls(
            issuer=data["identifiers"]["issuer"],
            verifier=data["identifiers"]["verifier"],
            issuer_keys=tuple(keys["issuer_keys"]),
            holder_key=keys["holder_key"],
            iat=data["iat"],
            exp=data["exp"],
        )

    def issuer_signer(self, index: int = 0) -> SoftwareKey:
        return private_key_from_jwk(_jwk(self.issuer_keys[index]))

    def issuer_public(self, index: int = 0) -> AnyPublicKey:
        return public_key_from_jwk(_jwk(self.issuer_keys[index]))

    def holder_signer(self) -> SoftwareKey:
        return private_key_from_jwk(_jwk(self.holder_key))

    def holder_public_jwk(self) -> dict[str, str]:
        return {k: self.holder_key[k] for k in ("kty", "crv", "x", "y")}


def _jwk(data: dict[str, Any]) -> dict[str, str]:
    return {k: data[k] for k in ("kty", "crv", "x", "y", "d") if k in data}


def unwrap(text: str) -> str:
    """The vectors' ``.txt`` files are wrapped at 68 columns: drop all whitespace."""
    return re.sub(r"\s", "", text)


def disclosure_table(markdown: str) -> list[tuple[str, str]]:
    """``(disclosure, digest)`` pairs listed in a ``disclosures.md``."""
    pairs = []
    for block in markdown.split("__")[1:]:
        digest = re.search(r"SHA-256 Hash: `([^`]+)`", block)
        encoded = re.search(r"Disclosure:\\\s*((?:`[^`]*`\\?\s*)+)", block)
        if digest and encoded:
            pairs.append(("".join(re.findall(r"`([^`]*)`", encoded.group(1))), digest.group(1)))
    return pairs
