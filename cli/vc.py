"""``shikaku vc``: sign, derive, verify and canonicalize credentials.

Input is a file path or ``-`` for standard input. With ``--jsonl``, ``sign``
and ``verify`` read one credential per line and write one result per line, in
one process: that is how a board signs its whole register.

``verify`` prints a JSON verdict listing each check and exits 0 (verified),
1 (not verified) or 2 (could not verify: malformed input, a refused URL, an
unsupported suite). In ``--jsonl`` mode the exit code is the worst line's.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer

from cli.loader import cli_loader
from vc_core import di
from vc_core.did import did_key_from_public_key
from vc_core.errors import CredentialError, ShikakuError
from vc_core.jsonld.canon import canonize
from vc_core.keys import SoftwareKey, load_key
from vc_core.rdf.canon import canonicalize
from vc_core.rdf.nquads import parse_nquads
from vc_core.verdict import Check, Verdict, verify_credential

app = typer.Typer(help="Sign, derive, verify and canonicalize Verifiable Credentials.")

_EXIT = {"verified": 0, "not_verified": 1, "error": 2}


class Suite(StrEnum):
    ecdsa_rdfc_2019 = "ecdsa-rdfc-2019"
    eddsa_rdfc_2022 = "eddsa-rdfc-2022"
    ecdsa_sd_2023 = "ecdsa-sd-2023"


def _open(source: str) -> TextIO:
    if source == "-":
        return sys.stdin
    try:
        return Path(source).open(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {source}: {exc.strerror}") from exc


def _parse_json(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise CredentialError("credential.malformed", f"{where} is not JSON: {exc.msg}") from exc


def _lines(source: str) -> Iterator[tuple[int, str]]:
    with _open(source) as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _emit(document: Any, *, compact: bool = False) -> None:
    if compact:
        typer.echo(json.dumps(document, ensure_ascii=False, separators=(",", ":")))
    else:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _sign_one(
    credential: Any, key: SoftwareKey, suite: Suite, mandatory: list[str]
) -> dict[str, Any]:
    if not isinstance(credential, dict):
        raise CredentialError("credential.malformed", "a credential is a JSON object")
    if "issuer" not in credential:
        # The issuer is the key that really signs (as the W3C suites expect).
        credential = {**credential, "issuer": did_key_from_public_key(key.public_key)}
    return di.sign(
        credential,
        suite=suite.value,
        signer=key,
        loader=cli_loader(),
        mandatory_pointers=mandatory,
    )


@app.command("sign")
def sign(
    source: Annotated[str, typer.Argument(metavar="IN", help="Credential JSON file, or -")],
    suite: Annotated[Suite, typer.Option("--suite", help="Data Integrity cryptosuite")],
    key_file: Annotated[Path, typer.Option("--key", help="Private JWK file")],
    mandatory: Annotated[
        list[str] | None,
        typer.Option("--mandatory", help="JSON pointer always disclosed (ecdsa-sd-2023)"),
    ] = None,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One credential per line")] = False,
) -> None:
    """Sign a credential and print it (the issuer defaults to the key's did:key)."""
    key = load_key(key_file)
    pointers = list(mandatory or [])
    if not jsonl:
        with _open(source) as handle:
            credential = _parse_json(handle.read(), source)
        _emit(_sign_one(credential, key, suite, pointers))
        return
    failed = False
    for number, line in _lines(source):
        try:
            signed = _sign_one(_parse_json(line, f"line {number}"), key, suite, pointers)
            _emit(signed, compact=True)
        except ShikakuError as exc:
            failed = True
            _emit({"line": number, "error": exc.to_dict()}, compact=True)
    if failed:
        raise typer.Exit(2)


@app.command("derive")
def derive(
    source: Annotated[str, typer.Argument(metavar="IN", help="ecdsa-sd-2023 base credential")],
    reveal: Annotated[
        list[str], typer.Option("--reveal", help="JSON pointer to disclose (repeatable)")
    ],
) -> None:
    """Derive a selective disclosure that reveals only the mandatory and --reveal pointers."""
    with _open(source) as handle:
        credential = _parse_json(handle.read(), source)
    _emit(di.derive(credential, selective_pointers=reveal, loader=cli_loader()))


def _verdict(credential: Any) -> Verdict:
    try:
        return verify_credential(credential, loader=cli_loader(), now=datetime.now(UTC))
    except ShikakuError as exc:
        return Verdict((Check("credential", False, exc.code, exc.message),))


@app.command("verify")
def verify(
    source: Annotated[str, typer.Argument(metavar="IN", help="Credential JSON file, or -")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One credential per line")] = False,
) -> None:
    """Verify a credential's proofs and data model; print a JSON verdict of named checks."""
    if not jsonl:
        with _open(source) as handle:
            text = handle.read()
        try:
            credential = _parse_json(text, source)
        except ShikakuError as exc:
            verdict = Verdict((Check("credential", False, exc.code, exc.message),))
        else:
            verdict = _verdict(credential)
        _emit(verdict.to_json())
        raise typer.Exit(_EXIT[verdict.outcome])
    worst = 0
    for number, line in _lines(source):
        try:
            verdict = _verdict(_parse_json(line, f"line {number}"))
        except ShikakuError as exc:
            verdict = Verdict((Check("credential", False, exc.code, exc.message),))
        worst = max(worst, _EXIT[verdict.outcome])
        _emit({"line": number, **verdict.to_json()}, compact=True)
    raise typer.Exit(worst)


@app.command("canon")
def canon(
    source: Annotated[str, typer.Argument(metavar="IN", help="JSON-LD or N-Quads file, or -")],
) -> None:
    """Print the RDFC-1.0 canonical N-Quads of a JSON-LD document or an N-Quads dataset."""
    with _open(source) as handle:
        text = handle.read()
    try:
        document = json.loads(text)
    except ValueError:
        typer.echo(canonicalize(parse_nquads(text)).text(), nl=False)
        return
    typer.echo(canonize(document, loader=cli_loader()), nl=False)
