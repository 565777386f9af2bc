"""``shikaku card``: the My Number Card — readers, PIN status, certificates, proofs, emulator.

Every command that touches a card works with a PC/SC reader (``--reader``,
default: the first reader holding a card) or with the in-process emulator
(``--emulator DIR``, or ``$SHIKAKU_CARD_EMULATOR``). PINs are asked for without
echo, or read one per line from standard input with ``--pin-stdin``; never
from a command-line argument, which other users of the machine can see.
Before asking, the command shows the tries left; with one try left it
refuses unless ``--allow-last-try`` is given. shikaku never retries a PIN.

Card errors print one line, in Japanese and English, on standard error and
exit with code 2 (the root guard of :mod:`cli.errors` does it for every command).
"""

from __future__ import annotations

import datetime as dt
import getpass
import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Annotated

import typer

from cli.errors import fail, writing
from vc_core.errors import CardError

if TYPE_CHECKING:
    from cryptography import x509

    from jpki_bridge.binding import BindingProof
    from jpki_bridge.certs import CertKind, FourFacts
    from jpki_bridge.pin import Pin, PinKind
    from jpki_bridge.session import CardSession

app = typer.Typer()

ReaderOption = Annotated[
    str | None, typer.Option("--reader", help="PC/SC reader name (default: the first with a card)")
]
EmulatorOption = Annotated[
    Path | None,
    typer.Option(
        "--emulator",
        envvar="SHIKAKU_CARD_EMULATOR",
        help="Use the in-process card emulator with this state directory instead of a reader",
    ),
]
PinStdinOption = Annotated[
    bool, typer.Option("--pin-stdin", help="Read PINs from standard input, one per line")
]
LastTryOption = Annotated[
    bool,
    typer.Option("--allow-last-try", help="Use the PIN even when only one try is left"),
]

#: The four facts' sex codes (jpki_bridge.certs.Sex: 1 male, 2 female, 3 other).
_SEX = {1: "男 / male", 2: "女 / female", 3: "その他 / other"}


@contextmanager
def card_errors() -> Iterator[None]:
    """Card errors as one bilingual line and exit 2 where a card is used outside a command.

    Commands need not use it: the root guard (:class:`cli.errors.GuardedGroup`) renders
    every error the same way.
    """
    try:
        yield
    except CardError as exc:
        fail(exc)


def open_session(reader: str | None, emulator: Path | None) -> CardSession:
    from jpki_bridge.pcsc import PcscTransport
    from jpki_bridge.session import CardSession
    from jpki_bridge.transport import InProcessTransport

    if emulator is not None:
        return CardSession(InProcessTransport.open(emulator))
    return CardSession(PcscTransport.connect(reader))


def _tries_line(kind: PinKind, left: int) -> str:
    return f"{kind.label}: 残り{left}回 / {left} of {kind.max_tries} tries left"


def ask_pin(session: CardSession, kind: PinKind, *, from_stdin: bool, allow_last: bool) -> Pin:
    """Show tries left, refuse a blocked PIN or an unconsented last try, then read the PIN."""
    status = session.pin_status(kind)
    typer.echo(_tries_line(kind, status.tries_left), err=True)
    status.require_usable(allow_last_try=allow_last)
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise typer.BadParameter("--pin-stdin: standard input ended before the PIN")
        text = line.rstrip("\r\n")
    else:
        text = getpass.getpass(f"{kind.label}: ")
    from jpki_bridge.pin import Pin

    return Pin(kind, text)


def _verify(session: CardSession, kind: PinKind, *, from_stdin: bool, allow_last: bool) -> None:
    pin = ask_pin(session, kind, from_stdin=from_stdin, allow_last=allow_last)
    session.verify_pin(pin, allow_last_try=allow_last)


def _describe_cert(label: str, cert: x509.Certificate) -> list[str]:
    from jpki_bridge.certs import x5t_s256

    return [
        f"{label}:",
        f"  subject   {cert.subject.rfc4514_string()}",
        f"  issuer    {cert.issuer.rfc4514_string()}",
        f"  valid     {cert.not_valid_before_utc:%Y-%m-%d} .. {cert.not_valid_after_utc:%Y-%m-%d}",
        f"  x5t#S256  {x5t_s256(cert)}",
    ]


def _describe_facts(facts: FourFacts) -> list[str]:
    birth = facts.birth_date
    return [
        "基本4情報 / the four facts:",
        f"  氏名 name        {facts.name}",
        f"  生年月日 born    {birth.date.isoformat()} ({birth.era.name_ja} {birth.encode()})",
        f"  性別 sex         {_SEX[int(facts.sex)]}",
        f"  住所 address     {facts.address}",
        f"  代替文字 substitutes  {'あり / yes' if facts.has_substitutes else 'なし / none'}",
    ]


@app.command("readers")
def readers(emulator: EmulatorOption = None) -> None:
    """List the card readers, whether each holds a card, and whether it is a My Number Card."""
    from jpki_bridge.pcsc import PcscTransport, list_readers
    from jpki_bridge.session import CardSession
    from jpki_bridge.transport import IN_PROCESS_READER

    if emulator is not None:
        typer.echo(f"{IN_PROCESS_READER}\tcard: yes\tJPKI: yes")
        return
    found = list_readers()
    if not found:
        raise CardError("card.no_reader")
    for info in found:
        if not info.card_present:
            typer.echo(f"{info.name}\tcard: no")
            continue
        try:
            with CardSession(PcscTransport.connect(info.name)) as session:
                session.select_jpki()
            jpki = "yes"
        except CardError:
            jpki = "no"
        typer.echo(f"{info.name}\tcard: yes\tJPKI: {jpki}\tATR: {info.atr.hex().upper()}")


@app.command("status")
def status(reader: ReaderOption = None, emulator: EmulatorOption = None) -> None:
    """Show the reader, the token label and the tries left on each PIN (spends no try)."""
    from jpki_bridge.pin import PinKind

    with open_session(reader, emulator) as session:
        typer.echo(f"reader: {session.reader}")
        typer.echo(f"token: {session.token_label()}")
        for kind in PinKind:
            state = session.pin_status(kind)
            note = " (blocked / ロック)" if state.blocked else ""
            typer.echo(_tries_line(kind, state.tries_left) + note)


@app.command("certs")
def certs(
    *,
    sign: Annotated[
        bool, typer.Option("--sign", help="Also read the signing certificate (needs the password)")
    ] = False,
    out: Annotated[Path | None, typer.Option("--out", help="Write the certificates as PEM")] = None,
    reader: ReaderOption = None,
    emulator: EmulatorOption = None,
    pin_stdin: PinStdinOption = False,
    allow_last_try: LastTryOption = False,
) -> None:
    """Show the user-authentication certificate and its CA; with --sign, the signing ones too."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from jpki_bridge.certs import four_facts
    from jpki_bridge.pin import PinKind
    from jpki_bridge.session import CertSlot

    with open_session(reader, emulator) as session:
        slots = [CertSlot.AUTH, CertSlot.AUTH_CA]
        if sign:
            _verify(session, PinKind.SIGN, from_stdin=pin_stdin, allow_last=allow_last_try)
            slots += [CertSlot.SIGN, CertSlot.SIGN_CA]
        found = {slot: session.read_certificate(slot) for slot in slots}
    for slot, cert in found.items():
        typer.echo("\n".join(_describe_cert(slot.value, cert)))
    if CertSlot.SIGN in found:
        typer.echo("\n".join(_describe_facts(four_facts(found[CertSlot.SIGN]))))
    if out is not None:
        with writing(out):
            out.mkdir(parents=True, exist_ok=True)
            for slot, cert in found.items():
                (out / f"{slot.value}.pem").write_bytes(cert.public_bytes(Encoding.PEM))
        typer.echo(f"wrote {len(found)} certificates to {out}", err=True)


@app.command("info")
def info(
    reader: ReaderOption = None,
    emulator: EmulatorOption = None,
    pin_stdin: PinStdinOption = False,
    allow_last_try: LastTryOption = False,
) -> None:
    """Show the card's basic four facts (券面事項入力補助) with the 4-digit PIN."""
    from jpki_bridge.pin import PinKind

    with open_session(reader, emulator) as session:
        pin = ask_pin(session, PinKind.KENHOJO, from_stdin=pin_stdin, allow_last=allow_last_try)
        facts = session.read_basic_four(pin, allow_last_try=allow_last_try)
    typer.echo(f"氏名 name      {facts.name}")
    typer.echo(f"住所 address   {facts.address}")
    typer.echo(f"生年月日 born  {facts.birth_date.isoformat()}")
    typer.echo(f"性別 sex       {_SEX[int(facts.sex)]}")


@app.command("sign-challenge")
def sign_challenge(
    *,
    nonce: Annotated[str, typer.Option("--nonce", help="The verifier's nonce")],
    audience: Annotated[str, typer.Option("--audience", help="The verifier's origin (URL)")],
    purpose: Annotated[str, typer.Option("--purpose", help="What the proof is for")] = "issuance",
    key: Annotated[
        str, typer.Option("--key", help="auth (default) or sign (adds the four facts)")
    ] = "auth",
    wallet_jwk: Annotated[
        Path | None,
        typer.Option("--wallet-jwk", help="Wallet key JWK file: link it to the card"),
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Write the proof here")] = None,
    reader: ReaderOption = None,
    emulator: EmulatorOption = None,
    pin_stdin: PinStdinOption = False,
    allow_last_try: LastTryOption = False,
) -> None:
    """Sign a verifier's challenge on the card and print the binding proof (JSON)."""
    from jpki_bridge.certs import CertKind

    if key not in ("auth", "sign"):
        raise typer.BadParameter("--key must be auth or sign")
    proof = sign_on_card(
        CertKind(key),
        nonce=nonce,
        audience=audience,
        purpose=purpose,
        wallet_jwk=read_public_jwk(wallet_jwk) if wallet_jwk is not None else None,
        reader=reader,
        emulator=emulator,
        pin_stdin=pin_stdin,
        allow_last_try=allow_last_try,
    )
    text = json.dumps(proof.to_json(), indent=2) + "\n"
    if out is None:
        typer.echo(text, nl=False)
    else:
        with writing(out):
            out.write_text(text, encoding="utf-8")
        typer.echo(f"proof written to {out}", err=True)


def sign_on_card(
    kind: CertKind,
    *,
    nonce: str,
    audience: str,
    purpose: str,
    wallet_jwk: dict[str, str] | None,
    reader: str | None,
    emulator: Path | None,
    pin_stdin: bool,
    allow_last_try: bool,
) -> BindingProof:
    """The card's binding proof over a challenge: tries left shown, the PIN asked once."""
    from jpki_bridge.binding import create_proof
    from jpki_bridge.certs import CertKind
    from jpki_bridge.pin import PinKind
    from jpki_bridge.signer import CardSigner

    with open_session(reader, emulator) as session:
        pin_kind = PinKind.AUTH if kind is CertKind.AUTH else PinKind.SIGN
        pin = ask_pin(session, pin_kind, from_stdin=pin_stdin, allow_last=allow_last_try)
        signer = CardSigner(session, kind, pin, allow_last_try=allow_last_try)
        return create_proof(
            signer,
            signer.chain,
            key=kind,
            nonce=nonce,
            audience=audience,
            purpose=purpose,
            wallet_jwk=wallet_jwk,
        )


def read_public_jwk(path: Path) -> dict[str, str]:
    """The public members of a JWK file (a private JWK's ``d`` is never read further)."""
    from vc_core.jsonio import read_json
    from vc_core.keys import KEY_FILE_LIMITS, public_jwk, public_key_from_jwk

    return public_jwk(public_key_from_jwk(read_json(path, limits=KEY_FILE_LIMITS)))


@app.command("make-test-pki")
def make_test_pki_command(
    *,
    out: Annotated[Path, typer.Option("--out", help="New directory for the test PKI")],
    choose_pins: Annotated[
        bool, typer.Option("--choose-pins", help="Choose the test PINs (asked without echo)")
    ] = False,
    pin_stdin: PinStdinOption = False,
    name: Annotated[
        str | None,
        typer.Option(help="Name, U+3000 between family and given (default: the test person's)"),
    ] = None,
    birth_date: Annotated[str, typer.Option(help="Birth date, YYYY-MM-DD")] = "1990-01-02",
    sex: Annotated[int, typer.Option(help="1 male, 2 female, 3 other")] = 2,
    address: Annotated[
        str | None, typer.Option(help="Address (default: the test person's)")
    ] = None,
) -> None:
    """Create JPKI-profile test roots and a test person's certificates and keys.

    The test PINs are 1234 (auth) and ABC123 (sign) unless --choose-pins.
    """
    from jpki_bridge.certs import Sex
    from jpki_bridge.pin import PinKind
    from jpki_bridge.pki import TestPerson, make_test_pki

    auth_pin, sign_pin = "1234", "ABC123"
    if choose_pins or pin_stdin:
        read = sys.stdin.readline if pin_stdin else None
        auth_pin = (read() if read else getpass.getpass(PinKind.AUTH.label + ": ")).strip()
        sign_pin = (read() if read else getpass.getpass(PinKind.SIGN.label + ": ")).strip()
    try:
        person = TestPerson(
            name=name or TestPerson.name,
            birth_date=dt.date.fromisoformat(birth_date),
            sex=Sex(sex),
            address=address or TestPerson.address,
        )
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from exc
    pki = make_test_pki(person, auth_pin=auth_pin, sign_pin=sign_pin)
    pki.save(out)
    typer.echo(f"test PKI written to {out}")
    typer.echo(f"trust anchors: {out / 'auth-ca.pem'} {out / 'sign-ca.pem'}")


def _provision(state: Path, pki: Path | None) -> Path:
    """Provision a new emulated card in ``state`` from ``pki`` (or a fresh test PKI)."""
    from jpki_bridge.emulator import CardState
    from jpki_bridge.pki import load_test_pki, make_test_pki

    if state.exists() and not state.is_dir():
        raise CardError("card.emulator_state", f"{state} is a file, not a folder")
    if pki is None:
        pki = state / "pki"
        make_test_pki().save(pki)
    CardState.provision(state, load_test_pki(pki))
    return pki


@app.command("new-emulator")
def new_emulator(
    state: Annotated[Path, typer.Option("--state", help="New emulator state directory")],
    pki: Annotated[
        Path | None,
        typer.Option("--pki", help="Test PKI for the card (default: make one in STATE/pki)"),
    ] = None,
) -> None:
    """Provision an emulated card for --emulator (in-process) or emulate (vpcd), then exit."""
    used = _provision(state, pki)
    typer.echo(f"emulated card in {state}; test PKI and trust anchors in {used}")


@app.command("emulate")
def emulate(
    state: Annotated[Path, typer.Option("--state", help="Emulator state directory")],
    vpcd: Annotated[
        str | None,
        typer.Option("--vpcd", help="vpcd address, HOST:PORT (default: 127.0.0.1, vpcd's port)"),
    ] = None,
    pki: Annotated[
        Path | None,
        typer.Option("--pki", help="Test PKI for a new card (default: make one in STATE/pki)"),
    ] = None,
    access_log: Annotated[
        Path | None, typer.Option("--access-log", help="Append every SELECT to this file")
    ] = None,
) -> None:
    """Run the card emulator as a vpcd card until stopped (SIGTERM or Ctrl-C).

    A new state directory is provisioned from --pki, or from a fresh test PKI
    written to STATE/pki. The PIN counters persist in STATE across restarts.
    """
    from jpki_bridge.emulator import CardState, EmulatedCard
    from jpki_bridge.emulator.vpcd import VPCD_DEFAULT_PORT, serve_vpcd

    host, _, port_text = (vpcd or f"127.0.0.1:{VPCD_DEFAULT_PORT}").rpartition(":")
    if not host or not port_text.isdigit():
        raise typer.BadParameter("--vpcd must be HOST:PORT")
    if not (state / "card.json").exists():
        _provision(state, pki)
    card = EmulatedCard(CardState(state), on_access=_access_logger(access_log))

    def _stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, _stop)

    typer.echo(f"emulator: card {state} for vpcd at {host}:{port_text}", err=True)
    try:
        serve_vpcd(
            card,
            host,
            int(port_text),
            on_connect=lambda _sock: typer.echo("emulator: card inserted", err=True),
        )
    except KeyboardInterrupt:
        typer.echo("emulator: stopped", err=True)
    finally:
        card.state.close()


def _access_logger(path: Path | None) -> Callable[[str, int | None], None] | None:
    """A callback appending ``application file`` lines to ``path``, one per SELECT."""
    if path is None:
        return None

    def record(application: str, fid: int | None) -> None:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(f"{application} {'-' if fid is None else f'{fid:04X}'}\n")

    return record
