"""``shikaku vc``: sign, derive, verify and canonicalize credentials.

Input is a file path or ``-`` for standard input, read by the input boundary
(:mod:`vc_core.jsonio`: strict UTF-8 and JSON, with limits; a refusal is an
``input.*`` code). With ``--jsonl``, ``sign`` and ``verify`` read one credential
per line and write one result per line, in one process: that is how a board
signs its whole register.

``sign --jsonl`` goes on past a line it refuses: that line's output is
``{"line": N, "error": {...}}``, standard error says ``error: line N: <code>: …``,
and a summary follows at the end. It exits 0 when every line was signed and 2
when some line was refused.

``verify`` prints a JSON verdict listing each check and exits 0 (verified),
1 (not verified) or 2 (could not verify: malformed input, a refused URL, an
unsupported suite). In ``--jsonl`` mode the exit code is the worst line's.

The JOSE forms (``sign --format dc+sd-jwt|vc+sd-jwt|vc+jwt``, ``present``, and
``verify`` of a compact JWS or SD-JWT, recognised by content) are in
:mod:`cli.vc_jose`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cli import vc_jose
from cli.card import EmulatorOption, ReaderOption
from cli.errors import EXIT_REFUSED
from cli.verifying import DataDirOption, Policy, TrustOption, cli_verifier
from vc_core.errors import CredentialError, ShikakuError
from vc_core.jsonio import iter_lines, loads, read_json, read_text

if TYPE_CHECKING:
    from issuer.jose_forms import HolderBinding
    from vc_core.keys import SoftwareKey

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


def _emit(document: Any, *, compact: bool = False) -> None:
    if compact:
        typer.echo(json.dumps(document, ensure_ascii=False, separators=(",", ":")))
    else:
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))


def _emit_signed(signed: Any, *, compact: bool = False) -> None:
    """A compact JOSE serialization is one line of text; a JSON-LD credential is JSON."""
    if isinstance(signed, str):
        typer.echo(signed)
    else:
        _emit(signed, compact=compact)


def _signer(
    *,
    form: str,
    key: SoftwareKey,
    mandatory: list[str],
    holder_key: Path | None,
    holder_card: bool,
    reader: str | None,
    emulator: Path | None,
    status_uri: str | None,
    status_idx: int | None,
) -> Callable[[Any], Any]:
    """Parse the holder binding and status options once; secure each credential the same way
    (:func:`issuer.securing.secure`: base proofs keep issuer, type, validity and status)."""
    from cli.loader import cli_loader
    from issuer.jose_forms import TokenStatus
    from issuer.securing import secure

    if holder_key is not None and holder_card:
        raise typer.BadParameter("give --holder-key or --holder-card, not both")
    if (status_uri is None) != (status_idx is None):
        raise typer.BadParameter("give --status-uri and --status-idx together")
    holder: HolderBinding | None = None
    if holder_key is not None:
        holder = vc_jose.load_holder_key(holder_key)
    elif holder_card:
        holder = vc_jose.card_binding(reader, emulator)
    status = TokenStatus(status_uri, status_idx) if status_uri and status_idx is not None else None
    loader = cli_loader()

    def sign_one(credential: Any) -> Any:
        if not isinstance(credential, dict):
            raise CredentialError("credential.malformed", "a credential is a JSON object")
        return secure(
            credential,
            form=form,
            signer=key,
            loader=loader,
            mandatory=mandatory,
            holder=holder,
            status=status,
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
    sign_one = _signer(
        form=(suite or form).value,  # type: ignore[union-attr]
        key=load_key(key_file),
        mandatory=list(mandatory or []),
        holder_key=holder_key,
        holder_card=holder_card,
        reader=reader,
        emulator=emulator,
        status_uri=status_uri,
        status_idx=status_idx,
    )
    if not jsonl:
        _emit_signed(sign_one(read_json(source)))
        return
    _sign_lines(source, sign_one)


def _sign_lines(source: str, sign_one: Callable[[Any], Any]) -> None:
    """Sign every line; report a refused line and go on; summarize; exit 2 if any failed."""
    signed = refused = 0
    for number, line in iter_lines(source):
        try:
            _emit_signed(sign_one(loads(line, where=f"line {number}")), compact=True)
            signed += 1
        except ShikakuError as exc:
            refused += 1
            _emit({"line": number, "error": exc.to_dict()}, compact=True)
            typer.echo(f"error: line {number}: {exc.code}: {exc.message}", err=True)
    typer.echo(f"signed {signed} of {signed + refused} line(s); {refused} refused", err=True)
    if refused:
        raise typer.Exit(EXIT_REFUSED)


@app.command("derive")
def derive(
    source: Annotated[str, typer.Argument(metavar="IN", help="ecdsa-sd-2023 base credential")],
    reveal: Annotated[
        list[str] | None, typer.Option("--reveal", help="JSON pointer to disclose (repeatable)")
    ] = None,
    request: Annotated[
        str | None, typer.Option("--request", help="A request profile: employer, …")
    ] = None,
) -> None:
    """Derive a selective disclosure that reveals only the mandatory and --reveal pointers."""
    from holder.wallet import Wallet

    derived = Wallet().derive(read_json(source), reveal=reveal or [], request=request)
    for pointer in derived.hidden_revealed:
        typer.echo(
            f"warning: {pointer} は通常開示しない項目です / is hidden by default "
            "(fair-recruitment guidance); disclosing it anyway",
            err=True,
        )
    _emit(derived.credential)


def _print(report: dict[str, Any], *, as_json: bool, lang: str, line: int | None) -> None:
    if line is not None:
        _emit({"line": line, **report}, compact=True)
    elif as_json:
        _emit(report)
    else:
        from rich.console import Console

        from cli.render import render_verification

        Console().print(render_verification(report, lang="en" if lang == "en" else "ja"))


def _inputs(source: str, jsonl: bool) -> Iterator[tuple[int | None, str | bytes]]:
    if jsonl:
        yield from iter_lines(source)
    else:
        yield None, read_text(source)


@app.command("verify")
def verify(
    source: Annotated[str, typer.Argument(metavar="IN", help="Credential file, or -")],
    *,
    jsonl: Annotated[bool, typer.Option("--jsonl", help="One credential per line")] = False,
    nonce: Annotated[str | None, typer.Option("--nonce", help="The nonce it must carry")] = None,
    audience: Annotated[str | None, typer.Option("--aud", help="The audience it must name")] = None,
    anchors: Annotated[
        list[Path] | None, typer.Option("--jpki-anchor", help="JPKI root for card-bound holders")
    ] = None,
    checks: Annotated[
        str | None, typer.Option("--checks", help="Only these checks, e.g. proof")
    ] = None,
    policy: Annotated[
        Policy, typer.Option("--policy", help="employer (every check), credential, proof")
    ] = Policy.employer,
    status_allow: Annotated[
        list[str] | None, typer.Option("--status-allow", help="URL prefix for status lists")
    ] = None,
    lists: Annotated[
        Path | None, typer.Option("--lists", help="Status lists from a published folder")
    ] = None,
    trust: TrustOption = None,
    data_dir: DataDirOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the JSON report")] = False,
    lang: Annotated[str, typer.Option("--lang", help="ja or en")] = "ja",
) -> None:
    """Verify a credential or presentation as an employer would (exit 0, 1 or 2)."""
    from verifier.policy import VerifyOptions

    options = VerifyOptions.of(
        nonce=nonce, audience=audience, checks=checks.split(",") if checks else None
    )
    worst = 0
    with cli_verifier(
        data_dir=data_dir,
        trust=trust,
        anchors=anchors,
        status_allow=status_allow,
        policy=policy,
        lists=lists,
    ) as verifier:
        for line, text in _inputs(source, jsonl):
            result = verifier.verify(text, options)
            worst = max(worst, _EXIT[result.outcome])
            _print(result.to_json(), as_json=as_json, lang=lang, line=line)
    raise typer.Exit(worst)


@app.command("challenge")
def challenge(
    audience: Annotated[str, typer.Option("--aud", help="Who the presentation is for")],
    data_dir: DataDirOption = None,
) -> None:
    """Issue a nonce that one presentation may use."""
    with cli_verifier(data_dir=data_dir, trust=None) as verifier:
        typer.echo(verifier.challenge(audience).value)


@app.command("present")
def present(
    source: Annotated[str, typer.Argument(metavar="IN", help="Credential file, or -")],
    *,
    nonce: Annotated[str, typer.Option("--nonce", help="The verifier's nonce")],
    audience: Annotated[str, typer.Option("--aud", help="The verifier (its origin or id)")],
    disclose: Annotated[
        list[str] | None,
        typer.Option("--disclose", help="Claim to show, e.g. /licenseNumber (repeatable)"),
    ] = None,
    kb_key: Annotated[
        Path | None, typer.Option("--kb-key", help="The holder's wallet key (private JWK)")
    ] = None,
    card: Annotated[bool, typer.Option("--card", help="Sign on the My Number Card")] = False,
    reader: ReaderOption = None,
    emulator: EmulatorOption = None,
    pin_stdin: Annotated[
        bool, typer.Option("--pin-stdin", help="Read the PIN from standard input")
    ] = False,
    allow_last_try: Annotated[
        bool, typer.Option("--allow-last-try", help="Use the PIN even with one try left")
    ] = False,
) -> None:
    """Present a credential to a verifier over its nonce, signed by the holder's key.

    An SD-JWT keeps the chosen claims and gains a KB-JWT; a JSON-LD credential goes into a
    presentation (Data Integrity, or vp+jwt when the card signs).
    """
    if (kb_key is None) == (not card):
        raise typer.BadParameter("give --kb-key FILE or --card")
    text = read_text(source)
    _emit_signed(
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

    text = read_text(source)
    if text.lstrip()[:1] not in ("{", "["):  # N-Quads start with <, _: or a comment.
        typer.echo(canonicalize(parse_nquads(text)).text(), nl=False)
        return
    typer.echo(canonize(loads(text, where=source), loader=cli_loader()), nl=False)
