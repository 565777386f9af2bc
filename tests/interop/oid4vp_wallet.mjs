// A wallet written with third-party libraries, answering shikaku's OpenID4VP 1.0 verifier.
//
// @openid4vc/openid4vp (OpenWallet Foundation, oid4vc-ts) parses the openid4vp:// URI, fetches
// the request object, checks the client identifier prefix against the x5c leaf (x509_san_dns:
// the SAN and the response_uri host) and builds and submits the response (direct_post, or
// direct_post.jwt through its JARM code). @sd-jwt/core makes the SD-JWT presentation with its
// KB-JWT; jose signs, verifies and encrypts. This script supplies only the callbacks the
// libraries ask for and the choice of disclosures from the DCQL query's claim paths.
//
// Input: one JSON object on stdin. Output: one JSON object per step on stdout.
import { createHash, createPrivateKey, sign, webcrypto, X509Certificate } from "node:crypto";
import { Openid4vpClient } from "@openid4vc/openid4vp";
import { SDJwtInstance } from "@sd-jwt/core";
import * as jose from "jose";

const input = JSON.parse(await new Promise((resolve) => {
  let data = "";
  process.stdin.on("data", (chunk) => { data += chunk; });
  process.stdin.on("end", () => resolve(data));
}));
const out = (step) => process.stdout.write(JSON.stringify(step) + "\n");
const trusted = new X509Certificate(input.trusted_certificate_pem);

const b64 = (der) => Buffer.from(der, "base64");
const callbacks = {
  fetch: globalThis.fetch,
  hash: (data, alg) => createHash(alg.replace("-", "").toLowerCase()).update(data).digest(),
  getX509CertificateMetadata: (certificate) => {
    const cert = new X509Certificate(b64(certificate));
    const names = (cert.subjectAltName ?? "").split(", ");
    return {
      sanDnsNames: names.filter((n) => n.startsWith("DNS:")).map((n) => n.slice(4)),
      sanUriNames: names.filter((n) => n.startsWith("URI:")).map((n) => n.slice(4)),
    };
  },
  verifyJwt: async (signer, jwt) => {
    if (signer.method !== "x5c") return { verified: false };
    const leaf = new X509Certificate(b64(signer.x5c[0]));
    // Trust: the leaf is the verifier certificate the relying party registered with us.
    if (!leaf.raw.equals(trusted.raw)) return { verified: false };
    const key = leaf.publicKey;
    try {
      await jose.compactVerify(jwt.compact, key, { algorithms: [signer.alg] });
    } catch {
      return { verified: false };
    }
    return { verified: true, signerJwk: await jose.exportJWK(key) };
  },
  encryptJwe: async (encryptor, data) => {
    const header = { alg: encryptor.alg, enc: encryptor.enc, kid: encryptor.publicJwk.kid };
    if (encryptor.apu) header.apu = encryptor.apu;
    if (encryptor.apv) header.apv = encryptor.apv;
    const key = await jose.importJWK(encryptor.publicJwk, encryptor.alg);
    const jwe = await new jose.CompactEncrypt(new TextEncoder().encode(data))
      .setProtectedHeader(header)
      .encrypt(key);
    return { jwe, encryptionJwk: encryptor.publicJwk };
  },
  decryptJwe: async () => { throw new Error("the wallet decrypts nothing here"); },
  signJwt: async () => { throw new Error("the wallet signs no JARM response here"); },
};

const client = new Openid4vpClient({ callbacks });
const parsed = client.parseOpenid4vpAuthorizationRequest({
  authorizationRequest: input.authorization_request,
});
// With request_uri_method=post the wallet sends its metadata and a nonce of its own, which
// the request object must carry back.
const wallet = input.wallet_nonce
  ? {
      nonce: input.wallet_nonce,
      metadata: { vp_formats_supported: { "dc+sd-jwt": { "sd-jwt_alg_values": ["ES256"] } } },
    }
  : undefined;
const resolved = await client.resolveOpenId4vpAuthorizationRequest({
  authorizationRequestPayload: parsed.params,
  wallet,
});
const request = resolved.authorizationRequestPayload;
const query = resolved.dcql.query;
out({
  step: "resolved",
  version: resolved.version,
  client: { prefix: resolved.client.prefix, identifier: resolved.client.identifier },
  jar_signer: resolved.jar?.signer?.method,
  response_mode: request.response_mode,
  response_uri: request.response_uri,
  wallet_nonce: request.wallet_nonce,
  credential_queries: query.credentials.map((c) => c.id),
});

// The presentation: the claims the DCQL query names, bound over the request's nonce and the
// full client_id (prefix included) with the holder key.
const credentialQuery = query.credentials[0];
const holderKey = createPrivateKey({
  key: input.attack === "other_key" ? input.other_holder_jwk : input.holder_jwk,
  format: "jwk",
});
const sdjwt = new SDJwtInstance({
  hasher: (data, alg) => createHash(alg.replace("-", "").toLowerCase()).update(data).digest(),
  hashAlg: "sha-256",
  saltGenerator: () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString("base64url"),
  kbSignAlg: "ES256",
  // ES256 over the KB-JWT's signing input, as JWS wants it (r || s).
  kbSigner: (data) =>
    sign("sha256", Buffer.from(data), { key: holderKey, dsaEncoding: "ieee-p1363" })
      .toString("base64url"),
});
// A path naming an array asks for the whole array: every element's disclosure as well.
// (@sd-jwt/core numbers array elements by their place in the issued array, decoy digests
// included, so the frame takes the element keys it lists as presentable.)
const presentable = await sdjwt.presentableKeys(input.credential);
const frame = {};
for (const claim of credentialQuery.claims ?? []) {
  const name = claim.path[0];
  if (!presentable.includes(name)) continue;
  const elements = presentable.filter((key) => key.startsWith(`${name}.`));
  frame[name] = elements.length
    ? Object.fromEntries(elements.map((key) => [Number(key.slice(name.length + 1)), true]))
    : true;
}
let presentation = await sdjwt.present(input.credential, frame, {
  kb: { payload: { iat: input.iat, aud: request.client_id, nonce: request.nonce } },
});
if (input.attack === "tamper") {
  // Change a disclosed value after the KB-JWT was made over the presentation.
  const parts = presentation.split("~");
  const [salt, name] = JSON.parse(Buffer.from(parts[1], "base64url").toString());
  parts[1] = Buffer.from(JSON.stringify([salt, name, "9999999"])).toString("base64url");
  presentation = parts.join("~");
}

const response = await client.createOpenid4vpAuthorizationResponse({
  authorizationRequestPayload: request,
  authorizationResponsePayload: { vp_token: { [credentialQuery.id]: [presentation] } },
  jarm: request.response_mode === "direct_post.jwt"
    ? {
        encryption: { nonce: "shikaku-interop-wallet" },
        serverMetadata: {
          authorization_signing_alg_values_supported: ["ES256"],
          authorization_encryption_alg_values_supported: ["ECDH-ES"],
          authorization_encryption_enc_values_supported: ["A128GCM", "A256GCM"],
        },
      }
    : undefined,
});
out({
  step: "created",
  encrypted: response.jarm !== undefined,
  jwe_header: response.jarm
    ? JSON.parse(Buffer.from(response.jarm.responseJwt.split(".")[0], "base64url").toString())
    : undefined,
});

const times = input.attack === "replay" ? 2 : 1;
for (let i = 0; i < times; i++) {
  const submitted = await client.submitOpenid4vpAuthorizationResponse({
    authorizationRequestPayload: request,
    authorizationResponsePayload: response.authorizationResponsePayload,
    jarm: response.jarm ? { responseJwt: response.jarm.responseJwt } : undefined,
  });
  const text = await submitted.response.text();
  out({ step: "submitted", response_mode: submitted.responseMode, status: submitted.response.status, body: text });
}
