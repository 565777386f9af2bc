"""``shikaku vc``: sign, derive, verify and canonicalize credentials.

Input is a file path or ``-`` for standard input. With ``--jsonl``, ``sign``
and ``verify`` read one credential per line and write one result per line, in
one process: that is how a board signs its whole register.

``verify`` prints a JSON verdict listing each check and exits 0 (verified),
1 (not verified) or 2 (could not verify: malformed input, a refused URL, an
unsupported suite). In ``--jsonl`` mode the exit code is the worst line's.

The JOSE forms (``sign --format dc+sd-jwt|vc+sd-jwt|vc+jwt``, ``present``, and
``verify`` of a compact JWS or SD-JWT, recognised by content) are in
:mod:`cli.vc_jose`.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from cli import vc_jose
from cli.card import EmulatorOption, ReaderOption
from vc_core.errors import CredentialError, ShikakuError

if TYPE_CHECKING:
    from issuer.jose_forms import HolderBinding
    from vc_core.keys import SoftwareKey
    from vc_core.verdict import Verdict

app = typer.Typer(help="Sign, derive, verify and canonicalize Verifiable Credentials.")

_EXIT = {"verified": 0, "not_verified": 1, "error": 2}


class Suite(StrEnum):
    ecdsa_rdfc_2019 = "ecdsa-rdfc-2019"
    eddsa_rdfc_2022 = "eddsa-rdfc-2022"
    ecdsa_sd_2023 = "ecdsa-sd-2023"


class JoseFormat(StrEnum):
    dc_sd_jwt = "dc+sd-jwt"
    vc_sd_jwt = "vc+sd-jwt"
    vc_jwt = "vc+jwt"


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
    from cli.loader import cli_loader
    from vc_core import di
    from vc_core.did import did_key_from_public_key

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


def _emit_signed(signed: Any, *, compact: bool = False) -> None:
    """A compact JOSE serialization is one line of text; a JSON-LD credential is JSON."""
    if isinstance(signed, str):
        typer.echo(signed)
    else:
        _emit(signed, compact=compact)


def _jose_signer(
    *,
    form: JoseFormat,
    key: SoftwareKey,
    holder_key: Path | None,
    holder_card: bool,
    reader: str | None,
    emulator: Path | None,
    status_uri: str | None,
    status_idx: int | None,
) -> Callable[[Any], str]:
    from issuer.jose_forms import TokenStatus

    if holder_key is not None and holder_card:
        raise typer.BadParameter("give --holder-key or --holder-card, not both")
    if (status_uri is None) != (status_idx is None):
        raise typer.BadParameter("give --status-uri and --status-idx together")
    holder: HolderBinding | None = None
    if holder_key is not None:
        holder = vc_jose.load_holder_key(holder_key)
    elif holder_card:
        holder = vc_jose.card_binding(reader, emulator)
    status = None
    if status_uri is not None and status_idx is not None:
        status = TokenStatus(status_uri, status_idx)
    now = datetime.now(UTC)

    def sign_one(credential: Any) -> str:
        return vc_jose.sign_credential(
            credential, form=form.value, key=key, holder=holder, status=status, now=now
        )

    return sign_one


@app.command("sign")
def sign(
    source: Annotated[str, typer.Argument(metavar="IN", help="Credential JSON file, or -")],
    *,
    key_file: Annotated[Path, typer.Option("--key", help="Private JWK file")],
    suite: Annotated[
        Suite | None, typer.Option("--suite", help="Data Integrity cryptosuite")
    ] = None,
    form: Annotated[
        JoseFormat | None,
        typer.Option("--format", help="Secure with JOSE instead: SD-JWT VC or VC-JOSE"),
    ] = None,
    mandatory: Annotated[
        list[str] | None,
        typer.Option("--mandatory", help="JSON pointer always disclosed (ecdsa-sd-2023)"),
    ] = None,
    holder_key: Annotated[
        Path | None, typer.Option("--holder-key", help="Holder's JWK file, bound as cnf (JOSE)")
    ] = None,
    holder_card: Annotated[
        bool, typer.Option("--holder-card", help="Bind the card's auth certificate (JOSE)")
    ] = False,
    reader: ReaderOption = None,
    emulator: EmulatorOption = None,
    status_uri: Annotated[
        str | None, typer.Option("--status-uri", help="Token Status List URL (dc+sd-jwt)")
    ] = None,
    status_idx: Annotated[
        int | None, typer.Option("--status-idx", min=0, help="Index in that list")
    ] = None,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One credential per line")] = False,
) -> None:
    """Sign a credential and print it (the issuer defaults to the key's did:key).

    With --suite, a Data Integrity proof is added to the JSON-LD credential; with --format,
    the credential is secured as a compact SD-JWT VC, vc+sd-jwt or vc+jwt.
    """
    from vc_core.keys import load_key

    if (suite is None) == (form is None):
        raise typer.BadParameter("give --suite (Data Integrity) or --format (JOSE)")
    key = load_key(key_file)
    pointers = list(mandatory or [])
    sign_one: Callable[[Any], Any]
    if form is not None:
        sign_one = _jose_signer(
            form=form,
            key=key,
            holder_key=holder_key,
            holder_card=holder_card,
            reader=reader,
            emulator=emulator,
            status_uri=status_uri,
            status_idx=status_idx,
        )
    else:
        assert suite is not None
        chosen = suite

        def sign_one(credential: Any) -> Any:
            return _sign_one(credential, key, chosen, pointers)

    if not jsonl:
        with _open(source) as handle:
            credential = _parse_json(handle.read(), source)
        _emit_signed(sign_one(credential))
        return
    failed = False
    for number, line in _lines(source):
        try:
            _emit_signed(sign_one(_parse_json(line, f"line {number}")), compact=True)
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
    from cli.loader import cli_loader
    from vc_core import di

    with _open(source) as handle:
        credential = _parse_json(handle.read(), source)
    _emit(di.derive(credential, selective_pointers=reveal, loader=cli_loader()))


def _verdict(credential: Any) -> Verdict:
    from cli.loader import cli_loader
    from vc_core.verdict import Check, Verdict, verify_credential

    try:
        return verify_credential(credential, loader=cli_loader(), now=datetime.now(UTC))
    except ShikakuError as exc:
        return Verdict((Check("credential", False, exc.code, exc.message),))


class _JoseOptions:
    def __init__(self, nonce: str | None, audience: str | None, anchors: list[Path]) -> None:
        if (nonce is None) != (audience is None):
            raise typer.BadParameter("give --nonce and --aud together")
        self.nonce = nonce
        self.audience = audience
        self.anchors = anchors


def _verify_text(text: str, where: str, jose: _JoseOptions) -> tuple[str, dict[str, Any]]:
    """The outcome and JSON report of one input, Data Integrity or JOSE by content."""
    from vc_core.verdict import Check, Verdict

    if vc_jose.is_jose(text):
        result = vc_jose.verify_text(
            text, nonce=jose.nonce, audience=jose.audience, anchors=jose.anchors
        )
        return result.verdict.outcome, result.to_json()
    try:
        verdict = _verdict(_parse_json(text, where))
    except ShikakuError as exc:
        verdict = Verdict((Check("credential", False, exc.code, exc.message),))
    return verdict.outcome, verdict.to_json()


@app.command("verify")
def verify(
    source: Annotated[str, typer.Argument(metavar="IN", help="Credential file, or -")],
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One credential per line")] = False,
    nonce: Annotated[
        str | None, typer.Option("--nonce", help="The nonce the KB-JWT must carry (SD-JWT)")
    ] = None,
    audience: Annotated[
        str | None, typer.Option("--aud", help="The audience the KB-JWT must name (SD-JWT)")
    ] = None,
    anchors: Annotated[
        list[Path] | None,
        typer.Option("--jpki-anchor", help="JPKI root certificate for card-bound holders"),
    ] = None,
) -> None:
    """Verify a credential or presentation; print a JSON verdict of named checks.

    A JSON-LD credential is checked as Data Integrity; a compact JWS or SD-JWT (or an
    SD-JWT's JSON serialization) as vc+jwt, vc+sd-jwt or dc+sd-jwt, read from its content.
    With --nonce and --aud the presentation's KB-JWT is required and checked.
    """
    jose = _JoseOptions(nonce, audience, list(anchors or []))
    if not jsonl:
        with _open(source) as handle:
            text = handle.read()
        outcome, report = _verify_text(text, source, jose)
        _emit(report)
        raise typer.Exit(_EXIT[outcome])
    worst = 0
    for number, line in _lines(source):
        outcome, report = _verify_text(line, f"line {number}", jose)
        worst = max(worst, _EXIT[outcome])
        _emit({"line": number, **report}, compact=True)
    raise typer.Exit(worst)


@app.command("present")
def present(
    source: Annotated[str, typer.Argument(metavar="IN", help="SD-JWT credential file, or -")],
    *,
    nonce: Annotated[str, typer.Option("--nonce", help="The verifier's nonce")],
    audience: Annotated[str, typer.Option("--aud", help="The verifier (its origin or id)")],
    disclose: Annotated[
        list[str] | None,
        typer.Option("--disclose", help="Claim to show, e.g. /licenseNumber (repeatable)"),
    ] = None,
    kb_key: Annotated[
        Path | None, typer.Option("--kb-key", help="Wallet key (private JWK) for the KB-JWT")
    ] = None,
    card: Annotated[bool, typer.Option("--card", help="Sign the KB-JWT on the card")] = False,
    reader: ReaderOption = None,
    emulator: EmulatorOption = None,
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="Read the PIN from standard input")
    ] = False,
    allow_last_try: Annotated[
        bool, typer.Option("--allow-last-try", help="Use the PIN even with one try left")
    ] = False,
) -> None:
    """Present an SD-JWT credential: keep the chosen claims, add a KB-JWT for the verifier."""
    if (kb_key is None) == (not card):
        raise typer.BadParameter("give --kb-key FILE or --card")
    with _open(source) as handle:
        text = handle.read()
    typer.echo(
        vc_jose.present_text(
            text,
            disclose=list(disclose or []),
            nonce=nonce,
            audience=audience,
            kb_key=kb_key,
            card=card,
            reader=reader,
            emulator=emulator,
            pin_stdin=pin_stdin,
            allow_last_try=allow_last_try,
        )
    )


@app.command("canon")
def canon(
    source: Annotated[str, typer.Argument(metavar="IN", help="JSON-LD or N-Quads file, or -")],
) -> None:
    """Print the RDFC-1.0 canonical N-Quads of a JSON-LD document or an N-Quads dataset."""
    from cli.loader import cli_loader
    from vc_core.jsonld.canon import canonize
    from vc_core.rdf.canon import canonicalize
    from vc_core.rdf.nquads import parse_nquads

    with _open(source) as handle:
        text = handle.read()
    try:
        document = json.loads(text)
    except ValueError:
        typer.echo(canonicalize(parse_nquads(text)).text(), nl=False)
        return
    typer.echo(canonize(document, loader=cli_loader()), nl=False)
