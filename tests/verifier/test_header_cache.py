"""The typ of a JOSE header is kept for headers of a real size only (vc_core.formats,
verifier.jose): a caller cannot fill the caches with megabyte headers."""

from __future__ import annotations

import pytest

from vc_core import formats
from vc_core.codecs import b64url_encode
from vc_core.errors import CredentialError
from vc_core.jose import encode_json
from verifier import jose


def _jws(header: dict[str, object]) -> str:
    return f"{b64url_encode(encode_json(header))}.e30.c2ln"


def test_a_real_header_is_kept_and_a_huge_one_is_read_but_not_kept() -> None:
    small = _jws({"alg": "ES256", "typ": "dc+sd-jwt", "kid": "k1"})
    huge = _jws({"alg": "ES256", "typ": "dc+sd-jwt", "pad": "x" * 100_000})
    assert formats.jose_typ(small) == formats.jose_typ(huge) == "dc+sd-jwt"
    assert jose.detect_form(small + "~") == jose.detect_form(huge + "~") == "dc+sd-jwt"
    assert len(small.split(".")[0]) <= formats.CACHED_HEADER_CHARS < len(huge.split(".")[0])
    before = (formats._header_typ.cache_info().currsize, jose._typ.cache_info().currsize)
    for n in range(20):
        other = _jws({"alg": "ES256", "typ": "dc+sd-jwt", "pad": f"{n}" + "y" * 10_000})
        assert formats.jose_typ(other) == "dc+sd-jwt"
        assert jose.detect_form(other + "~") == "dc+sd-jwt"
    after = (formats._header_typ.cache_info().currsize, jose._typ.cache_info().currsize)
    assert after == before


def test_a_huge_header_of_an_unknown_form_is_refused_as_a_small_one_is() -> None:
    for pad in ("", "z" * 20_000):
        with pytest.raises(CredentialError, match="not a form we know"):
            jose.detect_form(_jws({"alg": "ES256", "typ": "weird", "pad": pad}) + "~")
