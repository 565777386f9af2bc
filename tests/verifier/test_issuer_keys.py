"""Issuer binding: only keys the named issuer controls verify its credentials.

The https side is served through :class:`httpx.MockTransport` (the transport seam of the
client the verifier is given); the X.509 side is a small CA (:mod:`tests.verifier.issuer_pki`).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import pytest
from cryptography import x509

from tests.verifier.issuer_pki import T0, IssuerPki
from vc_core import di
from vc_core.clock import FixedClock
from vc_core.did import build_did_web_document, did_jwk_from_public_key, did_key_from_public_key
from vc_core.errors import TrustError
from vc_core.jose.jws import Jws, parse_jws, sign_jws, verify_jws
from vc_core.keys import SoftwareKey, generate_key, public_jwk
from vc_core.sdjwt import issue_sd_jwt, verify_sd_jwt
from vc_schemas.registry import loader
from vc_schemas.samples import sample_credential
from verifier.issuer_keys import FetchLimits, IssuerKeys
from verifier.trust import TrustedIssuer, TrustRegistry

NOW = T0
BOARD = generate_key("p256")
BOARD_DID = did_key_from_public_key(BOARD.public_key)
WEB_DID = "did:web:kangoshi.mhlw.example.jp"
WEB_URL = "https://kangoshi.mhlw.example.jp/.well-known/did.json"
HTTPS_ISSUER = "https://kangoshi.mhlw.example.jp/nurses"
METADATA_URL = "https://kangoshi.mhlw.example.jp/.well-known/jwt-vc-issuer/nurses"


def trusted(issuer_id: str, **changes: Any) -> TrustedIssuer:
    return TrustedIssuer(
        issuer_id,
        "厚生労働大臣",
        "Minister of Health, Labour and Welfare",
        frozenset({"kangoshi"}),
        **changes,
    )


def web_document(*, relation: str = "assertionMethod") -> dict[str, Any]:
    document = build_did_web_document(WEB_DID, [("key-1", BOARD.public_key)])
    ids = document.pop("assertionMethod")
    document.pop("authentication")
    document[relation] = ids
    return document


def code_of(call: Callable[[], object]) -> str:
    with pytest.raises(TrustError) as raised:
        call()
    return raised.value.code


@dataclass
class Web:
    """The issuer's https side: documents by URL, each request recorded."""

    documents: dict[str, httpx.Response] = field(default_factory=dict)
    requests: list[httpx.Request] = field(default_factory=list)

    def serve(self, url: str, body: Any, **headers: str) -> None:
        self.documents[url] = httpx.Response(200, json=body, headers=headers)

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        response = self.documents.get(str(request.url))
        return response if response is not None else httpx.Response(404)


@pytest.fixture
def web() -> Web:
    return Web()


@pytest.fixture
def client(web: Web) -> Iterator[httpx.Client]:
    with httpx.Client(transport=httpx.MockTransport(web.handle)) as http:
        yield http


# ---------------------------------------------------------------- Data Integrity


def signed_credential(issuer: str, key: SoftwareKey, method: str | None = None) -> dict[str, Any]:
    credential = sample_credential("kangoshi")
    credential["issuer"]["id"] = issuer
    return di.sign(
        credential,
        suite="ecdsa-rdfc-2019",
        signer=key,
        loader=loader(),
        verification_method=method,
        now=lambda: NOW,
    )


def verified_method(keys: IssuerKeys, credential: dict[str, Any]) -> str:
    (proof,) = di.verify(credential, loader=loader(), resolver=keys.key_resolver(), now=lambda: NOW)
    return proof.verification_method.id


def test_did_key_issuer_binds_its_own_key() -> None:
    keys = IssuerKeys(TrustRegistry([trusted(BOARD_DID)]))
    credential = signed_credential(BOARD_DID, BOARD)
    keys.check_binding(BOARD_DID, verified_method(keys, credential))


def test_did_jwk_issuer_binds_its_own_key() -> None:
    did = did_jwk_from_public_key(BOARD.public_key)
    keys = IssuerKeys(TrustRegistry())
    assert keys.key_resolver()(f"{did}#0").controller == did
    keys.check_binding(did, f"{did}#0")


def test_a_fresh_did_key_cannot_speak_for_a_board() -> None:
    """Issue 9, attack 1: the proof verifies, but the key is not the named issuer's."""
    forger = generate_key("p256")
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID, did_document=web_document())]))
    credential = signed_credential(WEB_DID, forger)
    method = verified_method(keys, credential)  # the signature itself is fine
    assert code_of(lambda: keys.check_binding(WEB_DID, method)) == "trust.key_mismatch"


def test_a_did_key_method_with_another_fragment_is_not_the_issuers() -> None:
    keys = IssuerKeys(TrustRegistry())
    other = did_key_from_public_key(generate_key("p256").public_key).removeprefix("did:key:")
    code = code_of(lambda: keys.check_binding(BOARD_DID, f"{BOARD_DID}#{other}"))
    assert code == "trust.key_mismatch"


def test_did_web_from_the_pinned_document_needs_no_network() -> None:
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID, did_document=web_document())]))
    credential = signed_credential(WEB_DID, BOARD, f"{WEB_DID}#key-1")
    keys.check_binding(WEB_DID, verified_method(keys, credential))


def test_did_web_method_outside_assertion_method_is_refused() -> None:
    document = web_document(relation="authentication")
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID, did_document=document)]))
    assert keys.key_resolver()(f"{WEB_DID}#key-1").controller == WEB_DID
    code = code_of(lambda: keys.check_binding(WEB_DID, f"{WEB_DID}#key-1"))
    assert code == "trust.key_mismatch"


def test_did_web_relative_and_embedded_methods() -> None:
    document = web_document()
    method = document.pop("verificationMethod")[0] | {"id": "#key-1"}
    document["assertionMethod"] = [method]
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID, did_document=document)]))
    assert keys.key_resolver()(f"{WEB_DID}#key-1").public_key == BOARD.public_key
    keys.check_binding(WEB_DID, f"{WEB_DID}#key-1")


def test_unresolvable_methods_are_resolution_failed() -> None:
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID, did_document=web_document())]))
    resolve = keys.key_resolver()
    for url in ("did:example:123#k", f"{WEB_DID}#missing", "did:key:zNotAKey#zNotAKey"):
        assert code_of(partial(resolve, url)) == "trust.resolution_failed"


# ---------------------------------------------------------------- did:web over https


def test_did_web_is_fetched_once_and_cached_for_its_max_age(web: Web, client: httpx.Client) -> None:
    web.serve(WEB_URL, web_document(), **{"Cache-Control": "max-age=600"})
    clock = FixedClock(NOW)
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID)]), client=client, clock=clock)
    credential = signed_credential(WEB_DID, BOARD, f"{WEB_DID}#key-1")
    keys.check_binding(WEB_DID, verified_method(keys, credential))
    keys.check_binding(WEB_DID, f"{WEB_DID}#key-1")
    assert len(web.requests) == 1
    assert web.requests[0].headers["Accept"].startswith("application/did+json")
    clock.advance(dt.timedelta(seconds=601))
    keys.check_binding(WEB_DID, f"{WEB_DID}#key-1")
    assert len(web.requests) == 2


def test_did_web_with_a_path_and_a_port(web: Web, client: httpx.Client) -> None:
    did = "did:web:registry.example.jp%3A8443:boards:mhlw"
    document = build_did_web_document(did, [("key-1", BOARD.public_key)])
    web.serve("https://registry.example.jp:8443/boards/mhlw/did.json", document)
    keys = IssuerKeys(TrustRegistry([trusted(did)]), client=client)
    keys.check_binding(did, f"{did}#key-1")


def test_no_store_is_never_cached_and_the_cache_is_bounded(web: Web, client: httpx.Client) -> None:
    web.serve(WEB_URL, web_document(), **{"Cache-Control": "no-store"})
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID)]), client=client)
    keys.check_binding(WEB_DID, f"{WEB_DID}#key-1")
    keys.check_binding(WEB_DID, f"{WEB_DID}#key-1")
    assert len(web.requests) == 2
    other = "did:web:hokenshi.mhlw.example.jp"
    web.serve(WEB_URL, web_document())
    web.serve(
        "https://hokenshi.mhlw.example.jp/.well-known/did.json",
        build_did_web_document(other, [("key-1", BOARD.public_key)]),
    )
    policy = FetchLimits(cache_entries=1)
    small = IssuerKeys(
        TrustRegistry([trusted(WEB_DID), trusted(other)]), client=client, policy=policy
    )
    for did in (WEB_DID, other, WEB_DID):
        small.check_binding(did, f"{did}#key-1")
    assert len(web.requests) == 5  # the first document was evicted by the second


def test_a_document_for_another_did_is_refused(web: Web, client: httpx.Client) -> None:
    web.serve(WEB_URL, build_did_web_document("did:web:evil.example", [("k", BOARD.public_key)]))
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID)]), client=client)
    code = code_of(lambda: keys.check_binding(WEB_DID, f"{WEB_DID}#key-1"))
    assert code == "trust.resolution_failed"


def test_a_host_not_allowed_is_never_asked(web: Web, client: httpx.Client) -> None:
    web.serve(WEB_URL, web_document())
    # Not in the registry, and no explicit allowlist: only registry hosts may be fetched.
    keys = IssuerKeys(TrustRegistry([trusted(BOARD_DID)]), client=client)
    assert code_of(lambda: keys.key_resolver()(f"{WEB_DID}#key-1")) == "trust.url_not_allowed"
    elsewhere = FetchLimits(allowed_hosts=frozenset({"other.example.jp"}))
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID)]), client=client, policy=elsewhere)
    assert code_of(lambda: keys.key_resolver()(f"{WEB_DID}#key-1")) == "trust.url_not_allowed"
    assert web.requests == []
    allowed = FetchLimits(allowed_hosts=frozenset({"kangoshi.mhlw.example.jp"}))
    keys = IssuerKeys(TrustRegistry(), client=client, policy=allowed)
    assert keys.key_resolver()(f"{WEB_DID}#key-1").controller == WEB_DID


def test_without_a_client_a_did_web_cannot_be_resolved() -> None:
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID)]))
    assert code_of(lambda: keys.key_resolver()(f"{WEB_DID}#key-1")) == "trust.resolution_failed"


def _trickle(chunks: int) -> Iterator[bytes]:
    for _ in range(chunks):
        yield b" " * 1024


@pytest.mark.parametrize(
    ("response", "reason"),
    [
        (httpx.Response(200, headers={"Content-Length": "999999"}, content=b"{}"), "too_large"),
        (httpx.Response(200, content=_trickle(100)), "too_large"),
        (httpx.Response(500), "unreachable"),
        (httpx.Response(302, headers={"Location": "https://evil.example/did.json"}), "unreachable"),
    ],
    ids=["declared-too-large", "streamed-too-large", "server-error", "redirect"],
)
def test_fetch_limits(
    web: Web, client: httpx.Client, response: httpx.Response, reason: str
) -> None:
    web.documents[WEB_URL] = response
    policy = FetchLimits(max_bytes=16 * 1024)
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID)]), client=client, policy=policy)
    with pytest.raises(TrustError) as raised:
        keys.check_binding(WEB_DID, f"{WEB_DID}#key-1")
    assert raised.value.code == "trust.resolution_failed"
    assert raised.value.details["reason"] == reason
    assert len(web.requests) == 1  # a redirect is not followed


def test_a_server_that_does_not_answer_in_time() -> None:
    def hang(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    with httpx.Client(transport=httpx.MockTransport(hang)) as http:
        keys = IssuerKeys(TrustRegistry([trusted(WEB_DID)]), client=http)
        with pytest.raises(TrustError) as raised:
            keys.check_binding(WEB_DID, f"{WEB_DID}#key-1")
    assert raised.value.code == "trust.resolution_failed"
    assert raised.value.details["reason"] == "timeout"


def test_a_body_that_is_not_a_json_object(web: Web, client: httpx.Client) -> None:
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID)]), client=client)
    for body in (b"not json", b"[1, 2]", b'{"id": 1, "id": 2}'):
        web.documents[WEB_URL] = httpx.Response(200, content=body)
        code = code_of(lambda: keys.check_binding(WEB_DID, f"{WEB_DID}#key-1"))
        assert code == "trust.resolution_failed"


# ---------------------------------------------------------------- JOSE: kid as a DID URL


def jws(payload: dict[str, Any], header: dict[str, Any], key: SoftwareKey = BOARD) -> Jws:
    return parse_jws(sign_jws({"typ": "dc+sd-jwt", **header}, payload, key))


def test_a_did_kid_of_the_issuer_gives_its_key() -> None:
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID, did_document=web_document())]))
    kid = f"{BOARD_DID}#{BOARD_DID.removeprefix('did:key:')}"
    token = jws({"iss": BOARD_DID}, {"kid": kid})
    resolved = keys.jose_issuer_key()(token)
    assert (resolved.controller, resolved.kid) == (BOARD_DID, kid)
    verify_jws(token, resolved.key)
    w3c = jws({"issuer": {"id": WEB_DID}}, {"kid": f"{WEB_DID}#key-1"})
    assert keys.jose_issuer_key()(w3c).controller == WEB_DID


def test_a_did_kid_of_someone_else_is_a_key_mismatch() -> None:
    forger = generate_key("p256")
    forger_did = did_key_from_public_key(forger.public_key)
    keys = IssuerKeys(TrustRegistry([trusted(WEB_DID, did_document=web_document())]))
    kid = f"{forger_did}#{forger_did.removeprefix('did:key:')}"
    for payload in ({"iss": WEB_DID}, {"issuer": WEB_DID}, {"iss": HTTPS_ISSUER}):
        token = jws(payload, {"kid": kid}, forger)
        assert code_of(partial(keys.jose_issuer_key(), token)) == "trust.key_mismatch"


def test_nothing_to_resolve() -> None:
    keys = IssuerKeys(TrustRegistry([trusted(BOARD_DID)]))
    for payload, header in (({}, {"kid": "x"}), ({"iss": BOARD_DID}, {}), ({"iss": 7}, {})):
        token = jws(payload, header)
        code = code_of(partial(keys.jose_issuer_key(), token))
        assert code == "trust.resolution_failed"


# ---------------------------------------------------------------- JOSE: x5c


@pytest.fixture(scope="module")
def pki() -> IssuerPki:
    return IssuerPki()


def x5c_keys(pki: IssuerPki, **changes: Any) -> IssuerKeys:
    registry = TrustRegistry([trusted(HTTPS_ISSUER, x509_roots=(pki.root_der,), **changes)])
    return IssuerKeys(registry, clock=FixedClock(NOW))


@pytest.mark.parametrize(
    "name",
    [
        x509.DNSName("kangoshi.mhlw.example.jp"),
        x509.DNSName("KANGOSHI.mhlw.example.jp"),
        x509.UniformResourceIdentifier(HTTPS_ISSUER),
    ],
    ids=["dns", "dns-case", "uri"],
)
def test_an_x5c_chain_to_the_issuers_root_naming_it(pki: IssuerPki, name: x509.GeneralName) -> None:
    leaf = pki.leaf(BOARD, [name])
    token = jws({"iss": HTTPS_ISSUER}, {"x5c": pki.x5c(leaf)})
    resolved = x5c_keys(pki).jose_issuer_key()(token)
    assert resolved.controller == HTTPS_ISSUER
    verify_jws(token, resolved.key)


def test_a_full_sd_jwt_vc_verifies_with_the_x5c_resolver(pki: IssuerPki) -> None:
    leaf = pki.leaf(BOARD, [x509.DNSName("kangoshi.mhlw.example.jp")])
    claims = {"iss": HTTPS_ISSUER, "vct": "urn:x:nurse", "iat": int(NOW.timestamp()), "n": 1}
    sd_jwt = issue_sd_jwt(claims, ["/n"], BOARD, typ="dc+sd-jwt", header={"x5c": pki.x5c(leaf)})
    keys = x5c_keys(pki)
    result = verify_sd_jwt(sd_jwt, typ={"dc+sd-jwt"}, now=NOW, issuer_key=keys.jose_issuer_key())
    assert result.verdict.verified, result.verdict
    forger = generate_key("p256")
    forged = issue_sd_jwt(claims, ["/n"], forger, typ="dc+sd-jwt", header={"x5c": pki.x5c(leaf)})
    refused = verify_sd_jwt(forged, typ={"dc+sd-jwt"}, now=NOW, issuer_key=keys.jose_issuer_key())
    assert not refused.verdict.verified  # the leaf's key did not sign it


@pytest.mark.parametrize(
    "name",
    [
        x509.DNSName("evil.example.jp"),
        x509.DNSName("mhlw.example.jp"),
        x509.UniformResourceIdentifier("https://kangoshi.mhlw.example.jp/other"),
    ],
    ids=["other-host", "parent-domain", "other-uri"],
)
def test_an_x5c_leaf_naming_someone_else_is_a_key_mismatch(
    pki: IssuerPki, name: x509.GeneralName
) -> None:
    token = jws({"iss": HTTPS_ISSUER}, {"x5c": pki.x5c(pki.leaf(BOARD, [name]))})
    assert code_of(lambda: x5c_keys(pki).jose_issuer_key()(token)) == "trust.key_mismatch"


def test_an_x5c_chain_to_another_root_is_a_key_mismatch(pki: IssuerPki) -> None:
    stranger = IssuerPki()
    leaf = stranger.leaf(BOARD, [x509.DNSName("kangoshi.mhlw.example.jp")])
    token = jws({"iss": HTTPS_ISSUER}, {"x5c": stranger.x5c(leaf)})
    assert code_of(lambda: x5c_keys(pki).jose_issuer_key()(token)) == "trust.key_mismatch"


def test_an_x5c_leaf_expired_at_the_clocks_time_is_a_key_mismatch(pki: IssuerPki) -> None:
    leaf = pki.leaf(
        BOARD, [x509.DNSName("kangoshi.mhlw.example.jp")], at=NOW - dt.timedelta(days=365)
    )
    token = jws({"iss": HTTPS_ISSUER}, {"x5c": pki.x5c(leaf)})
    assert code_of(lambda: x5c_keys(pki).jose_issuer_key()(token)) == "trust.key_mismatch"


def test_a_validated_chain_is_remembered_only_while_it_is_valid(pki: IssuerPki) -> None:
    leaf = pki.leaf(BOARD, [x509.DNSName("kangoshi.mhlw.example.jp")])
    token = jws({"iss": HTTPS_ISSUER}, {"x5c": pki.x5c(leaf)})
    clock = FixedClock(NOW)
    registry = TrustRegistry([trusted(HTTPS_ISSUER, x509_roots=(pki.root_der,))])
    keys = IssuerKeys(registry, clock=clock)
    assert keys.jose_issuer_key()(token).key == keys.jose_issuer_key()(token).key
    clock.set(leaf.not_valid_after_utc + dt.timedelta(seconds=1))
    assert code_of(lambda: keys.jose_issuer_key()(token)) == "trust.key_mismatch"
    clock.set(leaf.not_valid_before_utc - dt.timedelta(seconds=1))
    assert code_of(lambda: keys.jose_issuer_key()(token)) == "trust.key_mismatch"
    other = "https://hokenshi.mhlw.example.jp"
    both = IssuerKeys(
        registry.added(trusted(other, x509_roots=(pki.root_der,))), clock=FixedClock(NOW)
    )
    both.jose_issuer_key()(token)  # remembered for HTTPS_ISSUER, never for another issuer
    claimed = jws({"iss": other}, {"x5c": pki.x5c(leaf)})
    assert code_of(lambda: both.jose_issuer_key()(claimed)) == "trust.key_mismatch"


@pytest.mark.parametrize(
    "x5c",
    [
        "MIIB",
        [],
        [7],
        ["not base64!"],
        [base64.b64encode(b"\x30\x03\x02\x01\x01").decode()],
        ["VALID-LEAF", base64.b64encode(b"garbage DER").decode()],
    ],
    ids=["string", "empty", "number", "not-base64", "not-a-certificate", "garbage-second"],
)
def test_garbage_x5c_is_a_coded_key_mismatch(pki: IssuerPki, x5c: Any) -> None:
    if isinstance(x5c, list) and x5c[:1] == ["VALID-LEAF"]:
        x5c[0] = pki.x5c(pki.leaf(BOARD, [x509.DNSName("kangoshi.mhlw.example.jp")]))[0]
    token = jws({"iss": HTTPS_ISSUER}, {"x5c": x5c})
    assert code_of(lambda: x5c_keys(pki).jose_issuer_key()(token)) == "trust.key_mismatch"


def test_x5c_for_an_issuer_without_roots_or_not_trusted(pki: IssuerPki) -> None:
    leaf = pki.leaf(BOARD, [x509.DNSName("kangoshi.mhlw.example.jp")])
    token = jws({"iss": HTTPS_ISSUER}, {"x5c": pki.x5c(leaf)})
    rootless = IssuerKeys(TrustRegistry([trusted(HTTPS_ISSUER)]))
    assert code_of(lambda: rootless.jose_issuer_key()(token)) == "trust.key_mismatch"
    unknown = IssuerKeys(TrustRegistry())
    assert code_of(lambda: unknown.jose_issuer_key()(token)) == "trust.issuer_unknown"


# ---------------------------------------------------------------- JOSE: JWT VC Issuer Metadata


def metadata(issuer: str = HTTPS_ISSUER, kid: str = "board-2026") -> dict[str, Any]:
    return {"issuer": issuer, "jwks": {"keys": [public_jwk(BOARD.public_key) | {"kid": kid}]}}


def test_pinned_metadata_gives_the_key_of_the_kid() -> None:
    keys = IssuerKeys(TrustRegistry([trusted(HTTPS_ISSUER, jwt_vc_issuer=metadata())]))
    token = jws({"iss": HTTPS_ISSUER}, {"kid": "board-2026"})
    resolved = keys.jose_issuer_key()(token)
    assert (resolved.controller, resolved.kid) == (HTTPS_ISSUER, "board-2026")
    verify_jws(token, resolved.key)
    unknown_kid = jws({"iss": HTTPS_ISSUER}, {"kid": "someone-else"})
    assert code_of(lambda: keys.jose_issuer_key()(unknown_kid)) == "trust.key_mismatch"
    no_kid = jws({"iss": HTTPS_ISSUER}, {})
    assert code_of(lambda: keys.jose_issuer_key()(no_kid)) == "trust.resolution_failed"


def test_metadata_is_fetched_from_the_well_known_path(web: Web, client: httpx.Client) -> None:
    web.serve(METADATA_URL, metadata())
    keys = IssuerKeys(TrustRegistry([trusted(HTTPS_ISSUER)]), client=client)
    token = jws({"iss": HTTPS_ISSUER}, {"kid": "board-2026"})
    verify_jws(token, keys.jose_issuer_key()(token).key)
    keys.jose_issuer_key()(token)
    assert [str(r.url) for r in web.requests] == [METADATA_URL]


def test_metadata_via_jwks_uri(web: Web, client: httpx.Client) -> None:
    jwks_url = "https://kangoshi.mhlw.example.jp/jwks.json"
    document = metadata()
    web.serve(METADATA_URL, {"issuer": HTTPS_ISSUER, "jwks_uri": jwks_url})
    web.serve(jwks_url, document["jwks"])
    keys = IssuerKeys(TrustRegistry([trusted(HTTPS_ISSUER)]), client=client)
    token = jws({"iss": HTTPS_ISSUER}, {"kid": "board-2026"})
    assert keys.jose_issuer_key()(token).controller == HTTPS_ISSUER


def test_metadata_of_another_issuer_is_a_key_mismatch(web: Web, client: httpx.Client) -> None:
    web.serve(METADATA_URL, metadata(issuer="https://evil.example"))
    keys = IssuerKeys(TrustRegistry([trusted(HTTPS_ISSUER)]), client=client)
    token = jws({"iss": HTTPS_ISSUER}, {"kid": "board-2026"})
    assert code_of(lambda: keys.jose_issuer_key()(token)) == "trust.key_mismatch"


def test_metadata_of_a_plain_http_issuer_is_not_fetched(web: Web, client: httpx.Client) -> None:
    allowed = FetchLimits(allowed_hosts=frozenset({"kangoshi.mhlw.example.jp"}))
    keys = IssuerKeys(TrustRegistry(), client=client, policy=allowed)
    token = jws({"iss": "http://kangoshi.mhlw.example.jp"}, {"kid": "board-2026"})
    assert code_of(lambda: keys.jose_issuer_key()(token)) == "trust.url_not_allowed"
    assert web.requests == []


def test_fetched_metadata_obeys_the_same_limits(web: Web, client: httpx.Client) -> None:
    web.documents[METADATA_URL] = httpx.Response(200, content=json.dumps(metadata()).encode())
    policy = FetchLimits(max_bytes=32)
    keys = IssuerKeys(TrustRegistry([trusted(HTTPS_ISSUER)]), client=client, policy=policy)
    token = jws({"iss": HTTPS_ISSUER}, {"kid": "board-2026"})
    assert code_of(lambda: keys.jose_issuer_key()(token)) == "trust.resolution_failed"
