"""The hostile inputs too large (or too particular) to keep as files in the repository.

Each generator writes one input into a fresh folder and returns its path; ``cases.toml``
names it under ``generate``. They use a :class:`World` of real material made once per
test session: a signing key, a provisioned card emulator and its test PKI.
"""

from __future__ import annotations

import copy
import gzip
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.limits_bench import three_mb_credential
from cli.loader import cli_loader
from cli.samples import jp_sample_credential
from issuer.status import RegistryConfig, StatusRegistry, default_url
from vc_core import di
from vc_core.codecs import b64url_encode, multibase_encode
from vc_core.jose import sign_jws
from vc_core.keys import SoftwareKey, load_key

__all__ = ["GENERATORS", "World"]

#: 100,000 levels: deeper than Python's recursion limit by two orders of magnitude.
DEEP = 100_000


@dataclass(frozen=True)
class World:
    """Real material the generators start from (made once per session)."""

    key: Path  # A P-256 private JWK file.
    emulator: Path  # A provisioned card emulator state folder.
    pki: Path  # The test PKI that card was made from.

    def signer(self) -> SoftwareKey:
        return load_key(self.key)


Generator = Callable[[Path, World], Path]
GENERATORS: dict[str, Generator] = {}


def generator(function: Generator) -> Generator:
    GENERATORS[function.__name__] = function
    return function


def _credential() -> dict[str, Any]:
    credential = jp_sample_credential()
    del credential["issuer"]  # The CLI issues as the signing key's did:key.
    return credential


def _write(path: Path, data: bytes | str) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def _deep_array(depth: int = DEEP) -> str:
    return "[" * depth + "]" * depth


def _deep_object(depth: int = DEEP) -> str:
    return '{"a":' * depth + "1" + "}" * depth


@generator
def deep_array(folder: Path, world: World) -> Path:
    return _write(folder / "deep-array.json", _deep_array())


@generator
def deep_object(folder: Path, world: World) -> Path:
    return _write(folder / "deep-object.json", _deep_object())


@generator
def deep_in_credential(folder: Path, world: World) -> Path:
    """A credential whose one member holds the 100,000-deep array."""
    text = json.dumps(_credential(), ensure_ascii=False)
    return _write(folder / "deep-member.json", text[:-1] + ', "extra": ' + _deep_array() + "}")


@generator
def deep_lines(folder: Path, world: World) -> Path:
    """JSON Lines: a good credential, a deep line, bad UTF-8, a duplicate, another good one."""
    good = json.dumps(_credential(), ensure_ascii=False).encode()
    lines = [good, _deep_array().encode(), b'{"a": "\xff"}', b'{"a": 1, "a": 2}', good]
    return _write(folder / "batch.jsonl", b"\n".join(lines) + b"\n")


@generator
def deep_jws(folder: Path, world: World) -> Path:
    """A compact JWS whose payload is 100,000 deep (the header is a good one)."""
    header = b64url_encode(b'{"alg":"ES256","typ":"vc+jwt"}')
    return _write(folder / "deep.jwt", f"{header}.{b64url_encode(_deep_object().encode())}.AA")


@generator
def deep_disclosure(folder: Path, world: World) -> Path:
    """A signed SD-JWT with one disclosure that nests 100,000 deep."""
    signer = world.signer()
    header = {"typ": "dc+sd-jwt", "kid": di.default_verification_method(signer)}
    payload = {"iss": did_of(world), "vct": "x", "iat": 1_700_000_000}
    jwt = sign_jws(header, payload, signer)
    disclosure = b64url_encode(('["c2FsdA", "a", ' + _deep_array() + "]").encode())
    return _write(folder / "deep.sd-jwt", f"{jwt}~{disclosure}~")


@generator
def deep_toml(folder: Path, world: World) -> Path:
    """A trust registry whose one value nests 100,000 arrays deep."""
    return _write(folder / "trust.toml", "[[issuer]]\nid = " + _deep_array() + "\n")


@generator
def long_integer_toml(folder: Path, world: World) -> Path:
    return _write(folder / "trust.toml", "[[issuer]]\nid = " + "9" * 4000 + "\n")


@generator
def deep_key(folder: Path, world: World) -> Path:
    """20,000 deep: still 20 times Python's recursion limit, and small enough (40 KB) for
    the 64 KiB limit of key files, so that the depth is what gets refused."""
    return _write(folder / "deep.jwk", _deep_array(20_000))


def _emulator_copy(folder: Path, world: World) -> Path:
    state = folder / "card"
    shutil.copytree(world.emulator, state, ignore=shutil.ignore_patterns("lock"))
    return state


@generator
def deep_card_json(folder: Path, world: World) -> Path:
    state = _emulator_copy(folder, world)
    _write(state / "card.json", _deep_array(20_000))
    return state


@generator
def deep_counters(folder: Path, world: World) -> Path:
    state = _emulator_copy(folder, world)
    _write(state / "counters.json", _deep_array(20_000))
    return state


def _counters(folder: Path, world: World, text: str) -> Path:
    state = _emulator_copy(folder, world)
    _write(state / "counters.json", text)
    return state


@generator
def negative_counter(folder: Path, world: World) -> Path:
    return _counters(folder, world, '{"auth": -1, "sign": 5, "kenhojo": 3}')


@generator
def huge_counter(folder: Path, world: World) -> Path:
    return _counters(folder, world, '{"auth": 4, "sign": 99999, "kenhojo": 3}')


@generator
def long_counter(folder: Path, world: World) -> Path:
    return _counters(folder, world, '{"auth": ' + "9" * 4000 + ', "sign": 5, "kenhojo": 3}')


@generator
def fractional_counter(folder: Path, world: World) -> Path:
    return _counters(folder, world, '{"auth": 2.5, "sign": 5, "kenhojo": 3}')


@generator
def deep_person(folder: Path, world: World) -> Path:
    pki = folder / "pki"
    shutil.copytree(world.pki, pki)
    _write(pki / "person.json", _deep_array(20_000))
    return pki


@generator
def credential_3mb(folder: Path, world: World) -> Path:
    """The issue's 3 MB credential with 5,000 subjects (refused: over 1 MiB), as the limits
    benchmark measures it."""
    credential = three_mb_credential(None)
    return _write(folder / "3mb.json", json.dumps(credential, ensure_ascii=False))


@generator
def credential_many_subjects(folder: Path, world: World) -> Path:
    """Under 1 MiB, but 100 subjects: more JSON values than JSON-LD may take on."""
    credential = _credential()
    subject = credential["credentialSubject"]
    credential["credentialSubject"] = [
        {**copy.deepcopy(subject), "licenseNumber": str(1_000_000 + i)} for i in range(100)
    ]
    return _write(folder / "many-subjects.json", json.dumps(credential, ensure_ascii=False))


@generator
def signed_many_subjects(folder: Path, world: World) -> Path:
    """As above with a proof copied from a real signed credential (never reached)."""
    signed = di.sign(
        _credential() | {"issuer": "did:example:board"},
        suite="ecdsa-rdfc-2019",
        signer=world.signer(),
        loader=cli_loader(),
    )
    many = json.loads(credential_many_subjects(folder, world).read_text(encoding="utf-8"))
    return _write(folder / "signed-many.json", json.dumps({**many, "proof": signed["proof"]}))


@generator
def too_many_items(folder: Path, world: World) -> Path:
    credential = _credential()
    credential["credentialSubject"]["completedTraining"] = ["x"] * 20_001
    return _write(folder / "items.json", json.dumps(credential, ensure_ascii=False))


@generator
def long_string(folder: Path, world: World) -> Path:
    credential = _credential()
    credential["credentialSubject"]["familyName"] = "山" * 100_000  # 300,000 bytes of UTF-8
    return _write(folder / "long-string.json", json.dumps(credential, ensure_ascii=False))


@generator
def long_line(folder: Path, world: World) -> Path:
    """JSON Lines whose second line is 2 MiB; the lines around it are good."""
    good = json.dumps(_credential(), ensure_ascii=False).encode()
    return _write(folder / "long.jsonl", b"\n".join([good, b'"' + b"a" * (2 << 20) + b'"', good]))


@generator
def sd_base(folder: Path, world: World) -> Path:
    """An ecdsa-sd-2023 *base* credential: what the holder keeps, never what a verifier
    accepts (it carries every statement's signature and the HMAC key)."""
    credential = _credential() | {"issuer": did_of(world)}
    signed = di.sign(
        credential,
        suite="ecdsa-sd-2023",
        signer=world.signer(),
        loader=cli_loader(),
        mandatory_pointers=["/issuer"],
    )
    return _write(folder / "base.json", json.dumps(signed, ensure_ascii=False))


def did_of(world: World) -> str:
    return di.default_verification_method(world.signer()).split("#")[0]


@generator
def registry_with_a_list(folder: Path, world: World) -> Path:
    """A status registry data folder whose issuer (the world's key) has lists to publish."""
    data = folder / "data"
    registry = StatusRegistry.open(
        default_url(data), RegistryConfig(base_url="https://board.example/status")
    )
    try:
        # Revocation only: the one purpose that needs no dispositions document.
        credential = "urn:uuid:00000000-0000-4000-8000-000000000001"
        registry.allocate(credential, issuer=did_of(world), purposes=["revocation"])
    finally:
        registry.close()
    return data


@generator
def nquads_rings(folder: Path, world: World) -> Path:
    """Three rings of 200 blank nodes: every node alike, so RDFC-1.0 must search (poison)."""
    lines = (
        f"_:r{j}b{i} <https://example.org/p> _:r{j}b{(i + 1) % 200} .\n"
        for j in range(3)
        for i in range(200)
    )
    return _write(folder / "rings.nq", "".join(lines))


@generator
def gzip_bomb_list(folder: Path, world: World) -> Path:
    """A status list credential whose 87 KB encodedList inflates to 64 MiB."""
    encoded = multibase_encode(gzip.compress(bytes(64 << 20), 9), "u")
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": "did:example:board",
        "credentialSubject": {
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded,
        },
    }
    return _write(folder / "bomb.json", json.dumps(credential))
