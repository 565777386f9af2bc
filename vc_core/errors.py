"""The one exception hierarchy of shikaku, with stable dotted codes.

Every error a shikaku primitive raises is a :class:`ShikakuError` carrying a
``code`` from :data:`CODES`, the single place where codes are documented. The
HTTP edge maps codes to RFC 9457 problem details and the CLI maps them to one
stderr line and an exit code; neither needs to know the class.

::

    ShikakuError
    ├── CodecError            codec.*      base64url, multibase, Multikey, CBOR
    ├── KeyMaterialError      key.*        key files, JWKs, unsupported algorithms
    ├── DidError              did.*        did:key, did:jwk, did:web
    ├── LoaderError           loader.*     the offline JSON-LD document loader
    ├── JsonLdError           jsonld.*     expansion, safe mode
    ├── CanonicalizationError canon.*      N-Quads parsing, RDFC-1.0
    ├── ProofError            proof.*      Data Integrity proofs and cryptosuites
    ├── SelectionError        selection.*  JSON pointers for selective disclosure
    ├── JoseError             jose.*       JWS/JWT: algorithms, typ, signatures, time claims
    ├── SdJwtError            sdjwt.*      SD-JWT disclosures and SD-JWT VC rules (RFC 9901)
    ├── KeyBindingError       kb.*         SD-JWT Key Binding JWTs (RFC 9901 §4.3, §7.3)
    ├── CredentialError       credential.* VC Data Model 2.0 rules
    ├── CardError             card.*       the My Number Card (jpki_bridge)
    ├── StatusError           status.*     status lists
    ├── SchemaError           schema.*     qualification catalogue, register records, JP profile
    ├── TrustError            trust.*      the trust registry and issuer binding
    ├── NonceError            nonce.*      verifier-issued presentation nonces
    ├── HolderError           holder.*     holder binding of presentations
    ├── VerifyError           verify.*     the verification pipeline and its policy
    ├── RequestError          request.*    a caller's malformed request
    ├── InputError            input.*      strict UTF-8 and JSON with limits
    ├── StorageError          storage.*    databases and their migrations (service_kit)
    ├── BoardError            board.*      a board's register, issuance and lifecycle (issuer)
    ├── OAuthError            oauth.*      OpenID4VCI / OAuth 2.0 endpoint errors (RFC 6749 §5.2)
    ├── WalletError           wallet.*     the holder's encrypted store and its exchanges
    └── ConfigError           config.*     service settings and their secrets

A code names *what went wrong*, never how it was detected, and once published
it is never renamed. Messages never contain secrets (keys, PINs).

"Could not verify" and "verified and found invalid" are different outcomes:
primitives raise, and pipelines (see :mod:`vc_core.verdict`) turn the raised
codes into named checks of a verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

__all__ = [
    "CODES",
    "BoardError",
    "CanonicalizationError",
    "CardError",
    "CodecError",
    "ConfigError",
    "CredentialError",
    "DidError",
    "HolderError",
    "InputError",
    "JoseError",
    "JsonLdError",
    "KeyBindingError",
    "KeyMaterialError",
    "LoaderError",
    "NonceError",
    "OAuthError",
    "Oid4vpError",
    "ProofError",
    "RequestError",
    "SchemaError",
    "SdJwtError",
    "SelectionError",
    "ServerError",
    "ShikakuError",
    "StatusError",
    "StorageError",
    "TrustError",
    "VerifyError",
    "WalletError",
]

#: Every stable error code, with what it means. Raising an unknown code is a bug
#: and fails loudly (see :meth:`ShikakuError.__init__`).
CODES: Mapping[str, str] = {
    # codec.*
    "codec.base64url_invalid": "Text is not unpadded base64url.",
    "codec.base58_invalid": "Text has a character outside the base58btc alphabet.",
    "codec.multibase_unsupported": "Multibase prefix is not 'z' (base58btc) or 'u' (base64url).",
    "codec.multikey_invalid": "Multikey bytes have an unknown header or a wrong length.",
    "codec.cbor_invalid": "CBOR bytes do not decode to the expected structure.",
    # key.*
    "key.file_invalid": "A key file is not a JSON Web Key shikaku can use.",
    "key.unsupported": "The key type or curve is not supported for this operation.",
    "key.private_missing": "A private key was needed but only a public key was given.",
    "key.passphrase_missing": "The key file is encrypted and no passphrase was given.",
    "key.passphrase_mismatch": "The two passphrases typed differ; nothing was written.",
    "key.passphrase_incorrect": "The key file's passphrase is incorrect (or the file is damaged).",
    "key.pkcs11_unavailable": "The PKCS#11 module, token or key cannot be used.",
    "key.pkcs11_pin_incorrect": "The PKCS#11 token refused or locked the PIN; it is not retried.",
    # did.*
    "did.invalid": "The DID or DID URL is malformed.",
    "did.method_unsupported": "The DID method cannot be resolved offline by shikaku.",
    "did.fragment_not_found": "The DID document has no verification method with that fragment.",
    # loader.*
    "loader.url_not_allowed": "A JSON-LD document was requested from a URL that is not bundled.",
    "loader.pin_mismatch": "A bundled context does not match its pinned SHA-256.",
    # jsonld.*
    "jsonld.undefined_term": "A term has no definition, so JSON-LD would drop it unsigned.",
    "jsonld.relative_iri": "An IRI is relative, so JSON-LD would drop it unsigned.",
    "jsonld.invalid": "The document is not valid JSON-LD.",
    "jsonld.too_large": "The document holds more JSON values than JSON-LD processing may take on.",
    # canon.*
    "canon.nquads_invalid": "Text is not valid N-Quads.",
    "canon.poison_graph": "The dataset needs more work than the canonicalization limit allows.",
    "canon.term_invalid": "An RDF term has no canonical N-Quads form (bad IRI, label or tag).",
    "canon.label_unmapped": "A blank node has no entry in the label map used to rename it.",
    # proof.*
    "proof.missing": "The document has no proof.",
    "proof.malformed": "A proof is missing a required property or has a wrong value.",
    "proof.cryptosuite_unsupported": "The proof's type or cryptosuite is not supported.",
    "proof.invalid_signature": "The signature does not verify over the document.",
    "proof.verification_method_invalid": "The verification method is missing or unusable.",
    "proof.key_mismatch": "The verification method's key does not fit the cryptosuite.",
    "proof.previous_proof_missing": "A proof names a previousProof that is not in the set.",
    "proof.purpose_mismatch": "The proof's proofPurpose is not the one expected.",
    "proof.challenge_mismatch": "The proof's challenge or domain is not the one expected.",
    "proof.created_invalid": "The proof's created or expires time is malformed or out of range.",
    "proof.base_proof": "An ecdsa-sd-2023 base proof was presented; verifiers accept derived ones.",
    # selection.*
    "selection.pointer_invalid": "A JSON pointer is malformed or selects nothing.",
    "selection.pointer_mandatory": "A selective pointer is required but none was given.",
    # jose.* (JWS and JWT: RFC 7515, RFC 7519, RFC 8725)
    "jose.malformed": "A JWS does not parse: base64url parts, a JSON object header and payload.",
    "jose.alg_not_allowed": "The JWS alg is not ES256, ES384, EdDSA or RS256 (never none or HMAC).",
    "jose.alg_key_mismatch": "The JWS alg is not the one algorithm the verification key allows.",
    "jose.crit_unsupported": "The JWS marks a header critical that shikaku does not understand.",
    "jose.typ_invalid": "The JOSE header typ is missing or not the type expected here.",
    "jose.key_unresolved": "No verification key was found for the JWS (no kid, or not resolvable).",
    "jose.issuer_mismatch": "The JWT's iss is a DID other than the one whose key signed it.",
    "jose.signature_invalid": "The JWS signature does not verify.",
    "jose.claim_invalid": "A JWT claim is missing or mistyped (exp, nbf and iat are NumericDates).",
    "jose.expired": "The JWT's exp has passed (beyond the allowed clock skew).",
    "jose.not_yet_valid": "The JWT's nbf has not come yet (beyond the allowed clock skew).",
    "jose.iat_invalid": "The JWT's iat is in the future (beyond the allowed clock skew).",
    # sdjwt.* (SD-JWT, RFC 9901; SD-JWT VC, draft-ietf-oauth-sd-jwt-vc)
    "sdjwt.malformed": "Not an SD-JWT: issuer JWT, disclosures and optional KB-JWT, ~-separated.",
    "sdjwt.sd_alg_unsupported": "_sd_alg names a digest algorithm other than sha-256.",
    "sdjwt.payload_malformed": "An _sd member is not an array of digests, or a ... element is bad.",
    "sdjwt.disclosure_malformed": "A disclosure is not base64url JSON [salt, name, value].",
    "sdjwt.disclosure_duplicate": "The same disclosure is presented more than once.",
    "sdjwt.disclosure_unreferenced": "No digest in the payload or disclosures names this one.",
    "sdjwt.disclosure_misplaced": "A name/value disclosure sits in an array, or the reverse.",
    "sdjwt.digest_duplicate": "A digest appears more than once in the payload and disclosures.",
    "sdjwt.claim_conflict": "A disclosed claim is named _sd or ..., or exists at its level.",
    "sdjwt.claim_not_disclosable": "A claim that must stay plain (iss, exp, cnf …) is hidden.",
    "sdjwt.vct_invalid": "The SD-JWT VC has no vct, or not the credential type expected.",
    # kb.* (SD-JWT Key Binding JWTs, RFC 9901 §4.3 and §7.3)
    "kb.missing": "Key binding was required and the presentation has no KB-JWT.",
    "kb.malformed": "The KB-JWT lacks nonce, aud, iat or sd_hash, or one has the wrong type.",
    "kb.holder_key_missing": "The credential has no usable cnf key to check key binding against.",
    "kb.signature_invalid": "The KB-JWT signature does not verify with the credential's cnf key.",
    "kb.sd_hash_mismatch": "The KB-JWT's sd_hash is not the digest of the presented SD-JWT.",
    "kb.nonce_mismatch": "The KB-JWT was made for another nonce.",
    "kb.audience_mismatch": "The KB-JWT was made for another audience.",
    "kb.stale": "The KB-JWT's iat is older than the verifier accepts.",
    "kb.certificate_mismatch": "The KB-JWT's x5c certificate is not the one the cnf claim names.",
    # credential.*
    "credential.malformed": "The document is not a JSON object shaped like a credential.",
    "credential.context_invalid": "The @context does not start with the VC 2.0 context.",
    "credential.type_invalid": "The type does not include VerifiableCredential.",
    "credential.issuer_invalid": "The issuer is missing or not a URL or object with an id.",
    "credential.subject_missing": "The credential has no credentialSubject.",
    "credential.validity_invalid": "validFrom or validUntil is malformed or out of order.",
    "credential.not_yet_valid": "The credential's validFrom is in the future.",
    "credential.expired": "The credential's validUntil is in the past.",
    "credential.status_invalid": "A credentialStatus entry is malformed.",
    "credential.entry_type_missing": "A credentialSchema or refreshService entry has no type.",
    "credential.related_resource_mismatch": "A relatedResource digest does not match.",
    "credential.related_resource_invalid": "A relatedResource entry is malformed.",
    "credential.related_resource_unverifiable": (
        "A relatedResource cannot be retrieved to check its digest."
    ),
    # card.* (jpki_bridge: the My Number Card, its emulator and the binding proof)
    "card.pcsc_unavailable": "The PC/SC service (pcscd) is not running or cannot be reached.",
    "card.no_reader": "No smart-card reader is connected (or none has the requested name).",
    "card.no_card": "The reader has no card in it.",
    "card.not_jpki": "The card has no JPKI application: it is not a My Number Card.",
    "card.transport": "Talking to the card failed; it was removed or reset during use.",
    "card.file_not_found": "The card has no such application or file (status 6A82).",
    "card.security_status": "The card needs the right PIN first for this operation (status 6982).",
    "card.command_rejected": "The card rejected the command's parameters or length.",
    "card.unexpected_response": "The card answered with an unexpected status word or data.",
    "card.pin_incorrect": "Wrong PIN: the card counted one failed try (see retries_left).",
    "card.pin_blocked": "The PIN is blocked; only a municipal office can reset it.",
    "card.pin_last_try": "Only one PIN try is left; shikaku will not try without explicit consent.",
    "card.pin_format": "The PIN does not have the form this card PIN needs; no try was spent.",
    "card.data_invalid": "Data read from the card is malformed (a certificate, a Kenhojo record).",
    "card.emulator_state": "The card emulator's state directory is missing, malformed or in use.",
    "card.test_pki_invalid": "A test PKI directory is incomplete, malformed, or already exists.",
    "card.cert_invalid": "A certificate cannot be parsed or does not follow the JPKI profile.",
    "card.chain_invalid": "The certificate does not chain to a configured JPKI trust anchor.",
    "card.cert_not_yet_valid": "A certificate in the chain is not valid yet.",
    "card.cert_expired": "A certificate in the chain has expired.",
    "card.cert_revoked": "The certificate has been revoked.",
    "card.key_usage": "The certificate's key usage does not allow this signature.",
    "card.policy": "The certificate does not carry the JPKI certificate policy expected.",
    "card.revocation_unavailable": "A configured revocation source gave no usable answer.",
    "card.challenge_invalid": "A challenge is malformed (nonce, origin, purpose or times).",
    "card.challenge_expired": "The challenge has expired.",
    "card.nonce_unknown": "The nonce was not issued by this verifier, or has been purged.",
    "card.nonce_reused": "The nonce has already been used.",
    "card.audience_mismatch": "The proof was made for a different audience (origin).",
    "card.purpose_mismatch": "The proof was made for a different purpose.",
    "card.proof_malformed": "A binding proof is missing a member or has a wrong value.",
    "card.signature_invalid": "The card signature does not verify over the challenge.",
    "card.wallet_key_mismatch": "The proof does not bind the wallet key expected.",
    "card.facts_mismatch": "The signing certificate's four facts do not match the register record.",
    # status.* (status lists: codecs, registry, publishing, checking)
    "status.bits_unsupported": "The entry width is not allowed (IETF: 1, 2, 4 or 8; W3C: 1 to 8).",
    "status.index_out_of_range": "The status index is outside the list (RANGE_ERROR).",
    "status.value_out_of_range": "The status value does not fit in the entry width.",
    "status.list_malformed": "The status list or its container does not decode or is misshaped.",
    "status.list_too_short": "The list has too few entries (STATUS_LIST_LENGTH_ERROR).",
    "status.list_too_large": "The status list is larger than the configured size limit.",
    "status.list_unreachable": "The status list could not be fetched (STATUS_RETRIEVAL_ERROR).",
    "status.list_timeout": "Fetching the status list took longer than the configured timeout.",
    "status.url_not_allowed": "The status list URL is not on the allowlist or not https.",
    "status.list_expired": "The status list is outside its validity period (validUntil, exp).",
    "status.proof_invalid": "The status list's own proof or signature does not verify.",
    "status.issuer_mismatch": "The status list is not issued or signed by the credential's issuer.",
    "status.purpose_mismatch": "The list's statusPurpose is not the entry's.",
    "status.list_full": "The status list has no unallocated index left.",
    "status.credential_unknown": "The registry holds no status entries for this credential.",
    "status.purpose_not_enabled": "The credential has no status entry for this purpose.",
    "status.revocation_irreversible": "A revoked credential cannot be reinstated or re-suspended.",
    "status.schedule_invalid": "A scheduled suspension has no start or ends before it starts.",
    "status.message_code_unknown": "The status message code is not one the issuer defined.",
    "status.storage_failed": "The status registry's database failed or stayed contended.",
    "status.cause_invalid": "A registry action needs a non-empty reason, legal basis and actor.",
    "status.id_invalid": "A credential or subject id is empty, blank or over 1024 characters.",
    "status.issuer_invalid": "The issuer is not a DID (did:<method>:<method-specific-id>).",
    "status.nothing_published": "No status list of this issuer is in the registry to publish.",
    "status.revoked": "The credential's revocation entry is set: it has been revoked.",
    "status.suspended": "The credential's suspension entry is set: it is suspended.",
    "status.message_set": "The credential's message entry is not 0; see the issuer's message.",
    "status.entry_missing": "The credential has no status entry, so its status cannot be known.",
    "status.type_unsupported": "A credentialStatus entry is of a type shikaku cannot check.",
    "status.disposition_invalid": "The dispositions document does not verify or is not its list's.",
    "status.disposition_missing": "The list's dispositions document has no item for a set entry.",
    # schema.* (vc_schemas: qualification catalogue, register records, JP profile of OB 3.0)
    "schema.catalogue_invalid": "The qualification catalogue data is malformed or inconsistent.",
    "schema.unknown_qualification": "No catalogue entry has that qualification id.",
    "schema.record_invalid": "A register record was refused; details.errors lists every field.",
    "schema.field_missing": "A required register field is missing or empty.",
    "schema.field_malformed": "A register field does not have the form its register uses.",
    "schema.field_inconsistent": "A register field contradicts another field or the catalogue.",
    "schema.field_unknown": "A field is not a register item shikaku knows.",
    "schema.field_not_recorded": "This qualification's register does not record that field.",
    "schema.my_number": "A value is (or a field is named as) a My Number; never in a credential.",
    "schema.address": "A value is (or a field is named as) an address; never put in a credential.",
    "schema.jpki_data": "A value is JPKI certificate data; never put in a credential.",
    "schema.disposition_history": "Disposition history is never put in a credential.",
    "schema.credential_invalid": "A credential breaks the JP profile; details.errors lists why.",
    "schema.unsafe_integer": "A JSON number is outside +/-(2^53 - 1); issue it as a string.",
    "schema.request_unknown": "No disclosure request profile has that name.",
    # trust.* (the trust registry: which issuer may issue which qualification)
    "trust.issuer_unknown": "The issuer is not in the verifier's trust registry.",
    "trust.not_authorized": "The issuer is trusted, but not for this qualification.",
    "trust.key_mismatch": "The key that signed does not belong to the issuer the credential names.",
    "trust.resolution_failed": "The issuer's keys could not be resolved (DID document, metadata).",
    "trust.url_not_allowed": "The issuer's key URL is not https or not on the allowlist.",
    "trust.registry_invalid": "The trust registry file or entry is malformed.",
    "trust.qualification_unknown": "The credential names no qualification the catalogue knows.",
    # nonce.* (verifier-issued challenges for presentations, consumed once)
    "nonce.unknown": "The nonce was not issued by this verifier, or has been purged.",
    "nonce.reused": "The nonce has already been used: the presentation is a replay.",
    "nonce.expired": "The nonce has expired.",
    "nonce.mismatch": "The nonce was issued for another audience or purpose.",
    # holder.* (holder binding of a presentation)
    "holder.binding_missing": "The credential is bound to a holder; no holder proof came.",
    "holder.subject_mismatch": "The presentation is signed by another key than the holder's.",
    # verify.* (the verification pipeline and its policy)
    "verify.check_unavailable": "A check the policy requires could not run.",
    "verify.format_not_accepted": "The credential form is not one this verifier accepts here.",
    "verify.presentation_empty": "The presentation carries no credential.",
    # request.* (a caller's mistake in a request, not a judgement on a credential)
    "request.invalid": "The request is malformed or its options contradict each other.",
    "request.not_found": "Nothing answers at this path.",
    "request.method_not_allowed": "The resource does not answer this HTTP method.",
    "request.media_type": "The request body is not in a media type this endpoint reads.",
    "request.unauthorized": "The request carries no API key, or one the service does not know.",
    "request.forbidden": "The API key is known but lacks the scope this route requires.",
    # input.* (the input boundary: strict UTF-8 and JSON, with limits)
    "input.not_utf8": "The input is not valid UTF-8.",
    "input.json_invalid": "The input is not valid JSON.",
    "input.toml_invalid": "The input is not valid TOML.",
    "input.duplicate_key": "A JSON object has the same member name twice.",
    "input.number_invalid": "NaN and Infinity are not JSON numbers.",
    "input.too_deep": "The JSON nests deeper than the configured limit.",
    "input.too_large": "The input is larger than the configured limit.",
    "input.too_many_items": "A JSON array or object has more members than the configured limit.",
    "input.integer_too_long": "A JSON integer has more digits than the configured limit.",
    "input.unreadable": "The file or folder cannot be read, or is not what was expected.",
    # storage.* (service_kit: the databases of the services and their migrations)
    "storage.url_invalid": "The database URL is malformed or names an unsupported database.",
    "storage.unavailable": "The database cannot be opened or reached (no folder, no server).",
    "storage.failed": "The database refused the work, or stayed contended through every retry.",
    "storage.migration_failed": "The database schema could not be brought up to date.",
    # server.* (the HTTP services themselves)
    "server.internal": "The service failed unexpectedly; its log says more, the answer nothing.",
    # config.* (service settings)
    "config.invalid": "The service settings do not parse, or a value is out of range.",
    "config.secret_placeholder": "Outside development, a secret is a placeholder or too short.",
    "input.unwritable": "The output cannot be written (a missing folder, or a file in the way).",
    # board.* (the issuer service: a board's register, issuance and lifecycle)
    "board.record_unknown": "The board's register holds no record for this holder.",
    "board.not_issuable": "The record's standing does not allow issuing (revoked, deceased).",
    "board.event_invalid": "The lifecycle order is incomplete or contradicts the register.",
    # oauth.* (the board's OpenID4VCI endpoints: the suffix is the RFC 6749 / RFC 9449 /
    # OpenID4VCI 1.0 ``error`` value the endpoint answers with)
    "oauth.invalid_request": "The OAuth request is missing a parameter or is malformed.",
    "oauth.invalid_grant": "The pre-authorized code or transaction code is wrong, used or expired.",
    "oauth.unsupported_grant_type": "The token endpoint does not support this grant type.",
    "oauth.invalid_dpop_proof": "The DPoP proof is missing, malformed, replayed or does not match.",
    "oauth.use_dpop_nonce": "The DPoP proof must carry the nonce the server just provided.",
    "oauth.invalid_token": "The access token is unknown, expired or not bound to this DPoP key.",
    "oauth.invalid_credential_request": "The credential request is malformed or not allowed.",
    "oauth.unknown_credential_configuration": "No such credential configuration is offered.",
    "oauth.invalid_proof": "A key proof is missing, malformed, wrongly signed or not allowed.",
    "oauth.invalid_nonce": "A key proof's c_nonce is unknown, used or expired: get a fresh one.",
    "oauth.credential_request_denied": "The board will not issue this credential (standing).",
    "oauth.invalid_notification_id": "The notification id is unknown to the credential issuer.",
    "oauth.invalid_notification_request": "The notification request is malformed.",
    "board.profile_invalid": "The register profile does not parse or names unknown fields.",
    "board.profile_unknown": "No register profile has this name, and no such file exists.",
    "board.row_malformed": "A register row could not be read as a row (bad CSV or JSON).",
    "board.form_unknown": "Bulk issuance was asked for a form the board does not issue.",
    # wallet.* (the holder's wallet: its encrypted store and its exchanges)
    "wallet.passphrase_incorrect": "The passphrase does not open this wallet; nothing changed.",
    "wallet.store_corrupt": "The wallet file is damaged or not a shikaku wallet; nothing changed.",
    "wallet.store_missing": "There is no wallet here yet (shikaku wallet init makes one).",
    "wallet.store_exists": "A wallet already exists here; shikaku never overwrites one.",
    "wallet.store_busy": "Another shikaku process holds the wallet; try again when it ends.",
    "wallet.credential_unknown": "The wallet holds no credential with this id.",
    "wallet.offer_invalid": "The credential offer is malformed, or needs what was not given.",
    "wallet.offer_refused": "The issuer refused a step of the offer, or answered out of form.",
    "wallet.issuer_untrusted": "The holder's trust list does not name the issuer for this.",
    "wallet.request_invalid": "The presentation request is malformed, unsigned or out of time.",
    "wallet.verifier_mismatch": "The verifier's certificate does not match who it says it is.",
    "wallet.verifier_untrusted": "The verifier's certificate does not chain to a root the "
    "wallet trusts, or is out of its validity.",
    "wallet.no_match": "No credential in the wallet answers this request.",
    "wallet.consent_refused": "The holder did not agree to disclose; nothing was sent.",
    "wallet.not_a_credential": "The file is not a credential the wallet keeps (a presentation, "
    "or no credential form at all).",
    "wallet.passphrase_file_insecure": "The passphrase file is readable by others; make it "
    "readable by its owner alone (chmod 600).",
    "wallet.key_mismatch": "The wallet key given is not the key the credential is bound to.",
    # oid4vp.* (the verifier's OpenID4VP 1.0 transactions: requests, responses, results)
    "oid4vp.transaction_unknown": "No OpenID4VP transaction has this id, state or key.",
    "oid4vp.transaction_expired": "The OpenID4VP transaction expired before it was answered.",
    "oid4vp.transaction_answered": "The transaction was answered already: a replayed response.",
    "oid4vp.secret_invalid": "The transaction's read secret is missing or wrong.",
    "oid4vp.response_invalid": "The authorization response is malformed (vp_token, state).",
    "oid4vp.decryption_failed": "The encrypted authorization response cannot be decrypted.",
    "oid4vp.query_unsatisfied": "The vp_token does not answer the DCQL query that was asked.",
    "oid4vp.claims_missing": "A claim the DCQL query asked for was not disclosed.",
    "oid4vp.wallet_error": "The wallet answered with an error instead of a presentation.",
    "oid4vp.client_id_prefix": "This verifier does not use that client identifier prefix here.",
    "oid4vp.not_configured": "OpenID4VP needs a request-signing certificate this verifier lacks.",
}


class ShikakuError(Exception):
    """Base of every error shikaku raises on purpose.

    ``code`` is stable and documented in :data:`CODES`; ``details`` carries
    structured, non-secret context (a JSON pointer, ``retries_left`` …).
    """

    prefix: ClassVar[str] = ""

    def __init__(self, code: str, message: str | None = None, **details: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unregistered error code {code!r}; add it to vc_core.errors.CODES")
        if self.prefix and not code.startswith(self.prefix + "."):
            raise ValueError(f"{type(self).__name__} cannot carry code {code!r}")
        self.code = code
        self.message = message or CODES[code]
        self.details: dict[str, Any] = details
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.code!r}, {self.message!r})"

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready view: ``{"code", "message", **details}``."""
        return {"code": self.code, "message": self.message, **self.details}

    def __reduce__(self) -> tuple[Any, ...]:
        # Pickled with its code, so it crosses process boundaries (worker pools) intact.
        return (_restore, (type(self), self.code, self.message, self.details))


def _restore(
    cls: type[ShikakuError], code: str, message: str, details: dict[str, Any]
) -> ShikakuError:
    return cls(code, message, **details)


class CodecError(ShikakuError):
    prefix = "codec"


class KeyMaterialError(ShikakuError):
    prefix = "key"


class DidError(ShikakuError):
    prefix = "did"


class LoaderError(ShikakuError):
    prefix = "loader"


class JsonLdError(ShikakuError):
    prefix = "jsonld"


class CanonicalizationError(ShikakuError):
    prefix = "canon"


class ProofError(ShikakuError):
    prefix = "proof"


class SelectionError(ShikakuError):
    prefix = "selection"


class CredentialError(ShikakuError):
    prefix = "credential"


class JoseError(ShikakuError):
    prefix = "jose"


class SdJwtError(ShikakuError):
    prefix = "sdjwt"


class KeyBindingError(ShikakuError):
    prefix = "kb"


class CardError(ShikakuError):
    """A card, reader or binding-proof error. ``retries_left`` rides in ``details``."""

    prefix = "card"


class StatusError(ShikakuError):
    prefix = "status"


class SchemaError(ShikakuError):
    """A catalogue, record or profile error; field errors ride in ``details["errors"]``."""

    prefix = "schema"


class TrustError(ShikakuError):
    prefix = "trust"


class NonceError(ShikakuError):
    prefix = "nonce"


class HolderError(ShikakuError):
    prefix = "holder"


class VerifyError(ShikakuError):
    prefix = "verify"


class RequestError(ShikakuError):
    prefix = "request"


class InputError(ShikakuError):
    prefix = "input"


class StorageError(ShikakuError):
    prefix = "storage"


class ConfigError(ShikakuError):
    prefix = "config"


class BoardError(ShikakuError):
    """A board's register, issuance or lifecycle refused the work (the issuer service)."""

    prefix = "board"


class OAuthError(ShikakuError):
    """An OpenID4VCI endpoint refused the request. Those endpoints answer RFC 6749 §5.2 JSON
    (``{"error": <the code's suffix>, "error_description": ...}``), not a problem document."""

    prefix = "oauth"

    @property
    def error(self) -> str:
        """The OAuth ``error`` value: the code without its ``oauth.`` prefix."""
        return self.code.removeprefix("oauth.")


class WalletError(ShikakuError):
    """The holder's wallet refused the work (its store, a request, the holder's consent)."""

    prefix = "wallet"


class Oid4vpError(ShikakuError):
    """An OpenID4VP transaction, request or response was refused (the verifier service)."""

    prefix = "oid4vp"


class ServerError(ShikakuError):
    """The service failed in a way no caller caused (the HTTP edge answers 500, nothing more)."""

    prefix = "server"
