"""The trust registry's TOML file: read through the input boundary, written by a small writer.

The file is a list of ``[[issuer]]`` tables (TOML 1.0 §"Array of Tables")::

    [[issuer]]
    id = "did:web:kangoshi.mhlw.example.jp"
    name_ja = "厚生労働大臣"
    name_en = "Minister of Health, Labour and Welfare"
    qualifications = ["kangoshi", "hokenshi", "josanshi"]
    vcts = []                                   # optional: extra SD-JWT vct values
    did_document = "mhlw-did.json"              # optional: a JSON file, or an inline table
    x509_roots = ["roots/mhlw-ca.pem"]          # optional: PEM files, or inline PEM text
    jwt_vc_issuer = "mhlw-jwt-vc-issuer.json"   # optional: a JSON file, or an inline table

Paths are relative to the TOML file. :func:`read_entries` returns each table as the keyword
arguments of :class:`verifier.trust.TrustedIssuer` (roots as DER), which checks them;
:func:`write_entries` writes the same tables back, self-contained (documents as inline tables,
roots as inline PEM), sorted, so saving twice gives the same bytes. It writes a temporary file
in the same folder and renames it over the old one, so a reader never sees half a registry.
Files are read by :func:`vc_core.jsonio.read_toml` and :func:`~vc_core.jsonio.read_json`
(strict UTF-8, depth and size limits). Every problem is ``trust.registry_invalid``, naming
the file and the entry.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from vc_core.errors import InputError, TrustError
from vc_core.jsonio import read_json, read_toml

__all__ = ["read_entries", "read_json_document", "read_pem_roots", "write_entries"]

_INVALID = "trust.registry_invalid"
_REQUIRED = ("id", "name_ja", "name_en", "qualifications")
_OPTIONAL = ("vcts", "did_document", "x509_roots", "jwt_vc_issuer")
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_HEADER = "# The verifier's trust registry: which issuers may issue which qualifications.\n"


def read_entries(path: Path) -> list[dict[str, Any]]:
    """The ``[[issuer]]`` tables of ``path`` as :class:`~verifier.trust.TrustedIssuer` kwargs."""
    try:
        data = read_toml(path)
    except InputError as exc:
        raise TrustError(_INVALID, f"cannot read {path} ({exc})") from exc
    if set(data) - {"issuer"} or not isinstance(data.get("issuer", []), list):
        raise TrustError(_INVALID, f"{path} holds something other than [[issuer]] tables")
    return [
        _entry(table, path.parent, f"{path}: issuer {position}")
        for position, table in enumerate(data.get("issuer", []), start=1)
    ]


def _entry(table: Any, base: Path, where: str) -> dict[str, Any]:
    if not isinstance(table, dict):
        raise TrustError(_INVALID, f"{where} is not a table")
    missing = [key for key in _REQUIRED if key not in table]
    unknown = sorted(set(table) - set(_REQUIRED) - set(_OPTIONAL))
    if missing or unknown:
        raise TrustError(_INVALID, f"{where}: missing {missing}, unknown {unknown}")
    entry: dict[str, Any] = {key: table[key] for key in ("id", "name_ja", "name_en")}
    entry["qualifications"] = _strings(table["qualifications"], f"{where}: qualifications")
    entry["vcts"] = _strings(table.get("vcts", []), f"{where}: vcts")
    for key in ("did_document", "jwt_vc_issuer"):
        if key in table:
            entry[key] = _document(table[key], base, f"{where}: {key}")
    roots = table.get("x509_roots", [])
    if not isinstance(roots, list):
        raise TrustError(_INVALID, f"{where}: x509_roots must be a list")
    entry["x509_roots"] = tuple(
        der for item in roots for der in _pem(item, base, f"{where}: x509_roots")
    )
    return entry


def _strings(value: Any, where: str) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise TrustError(_INVALID, f"{where} must be a list of strings")
    return frozenset(value)


def _document(value: Any, base: Path, where: str) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if not isinstance(value, str):
        raise TrustError(_INVALID, f"{where} must be a JSON file path or an inline table")
    return read_json_document(base / value, where)


def read_json_document(path: Path, where: str = "") -> dict[str, Any]:
    """A JSON object from ``path`` (a DID document, JWT VC Issuer Metadata)."""
    try:
        document = read_json(path)
    except InputError as exc:
        raise TrustError(
            _INVALID, f"{where or path}: cannot read JSON from {path} ({exc})"
        ) from exc
    if not isinstance(document, dict):
        raise TrustError(_INVALID, f"{where or path}: {path} is not a JSON object")
    return document


def _pem(value: Any, base: Path, where: str) -> list[bytes]:
    if not isinstance(value, str):
        raise TrustError(_INVALID, f"{where}: each root is a PEM file path or PEM text")
    if "-----BEGIN" in value:
        return _pem_certificates(value.encode("ascii", "replace"), where)
    return read_pem_roots(base / value, where)


def read_pem_roots(path: Path, where: str = "") -> list[bytes]:
    """The certificates of a PEM file, as DER."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TrustError(_INVALID, f"{where or path}: cannot read {path}") from exc
    return _pem_certificates(data, where or str(path))


def _pem_certificates(data: bytes, where: str) -> list[bytes]:
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as exc:
        raise TrustError(_INVALID, f"{where}: no PEM certificate") from exc
    return [certificate.public_bytes(Encoding.DER) for certificate in certificates]


def write_entries(path: Path, entries: Iterable[Mapping[str, Any]]) -> None:
    """Write ``entries`` (TrustedIssuer fields) to ``path`` as TOML, atomically."""
    blocks = [_HEADER]
    for entry in sorted(entries, key=lambda e: str(e["id"])):
        lines = ["", "[[issuer]]"]
        lines += [f"{key} = {_value(entry[key])}" for key in ("id", "name_ja", "name_en")]
        lines.append(f"qualifications = {_value(sorted(entry['qualifications']))}")
        if entry.get("vcts"):
            lines.append(f"vcts = {_value(sorted(entry['vcts']))}")
        for key in ("did_document", "jwt_vc_issuer"):
            if entry.get(key) is not None:
                lines.append(f"{key} = {_value(entry[key])}")
        if entry.get("x509_roots"):
            roots = [_pem_text(der) for der in entry["x509_roots"]]
            lines.append("x509_roots = [\n" + "".join(f"{r},\n" for r in roots) + "]")
        blocks.append("\n".join(lines) + "\n")
    _atomic_write(path, "".join(blocks))


def _pem_text(der: bytes) -> str:
    pem = x509.load_der_x509_certificate(der).public_bytes(Encoding.PEM).decode("ascii")
    return f'"""\n{pem}"""'


def _value(value: Any) -> str:
    """One TOML value (TOML 1.0): strings, booleans, numbers, arrays and inline tables."""
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, Mapping):
        members = (f"{_key(str(k))} = {_value(v)}" for k, v in value.items())
        return "{ " + ", ".join(members) + " }" if value else "{}"
    raise TrustError(_INVALID, f"TOML cannot hold a {type(value).__name__} (JSON null?)")


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key)


def _string(text: str) -> str:
    """A TOML basic string. Python's JSON escapes are TOML's (it never writes JSON's ``\\/``,
    which TOML lacks), but for DEL, which TOML wants escaped."""
    escaped = json.dumps(text, ensure_ascii=False)
    return escaped.replace("\x7f", "\\u007f")


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
