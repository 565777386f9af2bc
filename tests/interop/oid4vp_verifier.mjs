// A verifier built on third-party OpenID4VP 1.0 libraries, for shikaku's wallet to present to:
// @openid4vc/openid4vp's Openid4vpVerifier (OpenWallet Foundation, oid4vc-ts) makes the
// signed request object (JAR, client identifier prefix x509_san_dns, the certificate in x5c),
// and parses and validates the wallet's response against the request and its DCQL query
// (direct_post, or direct_post.jwt decrypted by jose); @sd-jwt/core verifies each dc+sd-jwt
// presentation: the issuer's signature (the issuer's key from its JWT VC Issuer Metadata, or
// one the test pins), the disclosures, and the KB-JWT (signature by the cnf key, nonce,
// sd_hash), the KB-JWT's aud being checked here against the client_id. This is test code for
// tests/interop/test_wallet_third_party.py, not part of shikaku.
//
// Input: one JSON object on stdin's first line:
//   {"certificate", "key": TLS PEM paths, "request_x5c": [base64 DER], "request_key": PEM,
//    "host": "localhost", "response_host": "localhost", "response_mode": "direct_post",
//    "vct": ..., "claims": ["licenseNumber", ...], "pinned_issuer_keys": {iss: jwk},
//    "enc_values": ["A128GCM"] | null, "tamper": false}
// Output: one JSON line once listening: {"base", "authorization_request", "client_id"}.
// GET /test/result answers what the verifier saw: every fetch of the request object and every
// response with the library's verdict. The process ends when stdin closes.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { readConfig, serve } from "./service.mjs";
import { Openid4vpVerifier } from "@openid4vc/openid4vp";
import { SDJwtInstance } from "@sd-jwt/core";
import * as jose from "jose";

const config = await readConfig();

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const requestKey = createPrivateKey(config.request_key);
const encryption = generateKeyPairSync("ec", { namedCurve: "P-256" });
const encryptionJwk = { ...encryption.publicKey.export({ format: "jwk" }), kid: "enc-1", use: "enc", alg: "ECDH-ES" };
const seen = { request_fetches: 0, responses: [] };

const callbacks = {
  hash: (data, alg) => createHash(alg.replace("-", "").toLowerCase()).update(data).digest(),
  fetch: globalThis.fetch,
  signJwt: async (signer, { header, payload }) => {
    if (signer.method !== "x5c" || signer.alg !== "ES256") throw new Error("ES256 x5c only");
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = sign("sha256", Buffer.from(input), { key: requestKey, dsaEncoding: "ieee-p1363" });
    const signerJwk = createPublicKey(requestKey).export({ format: "jwk" });
    return { jwt: `${input}.${b64url(signature)}`, signerJwk };
  },
  verifyJwt: async () => ({ verified: false }), // No signed responses are expected.
  encryptJwe: async () => {
    throw new Error("the verifier encrypts nothing");
  },
  decryptJwe: async (jwe, options) => {
    if (options?.jwk?.kid && options.jwk.kid !== encryptionJwk.kid) return { decrypted: false };
    try {
      const { plaintext } = await jose.compactDecrypt(jwe, encryption.privateKey);
      return { decrypted: true, decryptionJwk: encryptionJwk, payload: new TextDecoder().decode(plaintext) };
    } catch {
      return { decrypted: false };
    }
  },
};
const verifier = new Openid4vpVerifier({ callbacks });

const port = await serve(config, handle, (message) =>
  seen.responses.push({ verified: false, error: `server: ${message}` }),
);
const base = `https://${config.host}:${port}`;
const responseUri = `https://${config.response_host ?? config.host}:${port}/response`;
const clientId = `x509_san_dns:${config.host}`;

const queryId = "licence";
const dcqlQuery = {
  credentials: [
    {
      id: queryId,
      format: "dc+sd-jwt",
      meta: { vct_values: [config.vct] },
      claims: config.claims.map((name) => ({ path: [name] })),
    },
  ],
};
const clientMetadata = {
  client_name: "Interop Hospital (third-party verifier)",
  vp_formats_supported: { "dc+sd-jwt": { "sd-jwt_alg_values": ["ES256"], "kb-jwt_alg_values": ["ES256"] } },
};
if (config.response_mode === "direct_post.jwt") {
  clientMetadata.jwks = { keys: [encryptionJwk] };
  if (config.enc_values) clientMetadata.encrypted_response_enc_values_supported = config.enc_values;
}
const created = await verifier.createOpenId4vpAuthorizationRequest({
  authorizationRequestPayload: {
    response_type: "vp_token",
    client_id: clientId,
    response_uri: responseUri,
    response_mode: config.response_mode,
    nonce: b64url(randomBytes(16)),
    state: b64url(randomBytes(16)),
    dcql_query: dcqlQuery,
    client_metadata: clientMetadata,
  },
  jar: {
    requestUri: `${base}/request`,
    jwtSigner: { method: "x5c", alg: "ES256", x5c: config.request_x5c },
    expiresInSeconds: 300,
  },
});
const request = created.authorizationRequestPayload;

async function handle(req, text) {
  const route = `${req.method} ${new URL(req.url, base).pathname}`;
  if (route === "GET /request") {
    seen.request_fetches += 1;
    const headers = { "Content-Type": "application/oauth-authz-req+jwt" };
    return { status: 200, body: created.jar.authorizationRequestJwt, headers };
  }
  if (route === "GET /test/result") return { status: 200, body: seen };
  if (route === "POST /response") return receive(Object.fromEntries(new URLSearchParams(text)));
  return { status: 404, body: { error: "not_found" } };
}

async function receive(form) {
  const outcome = { verified: false, encrypted: "response" in form };
  seen.responses.push(outcome);
  try {
    const parsed = await verifier.parseOpenid4vpAuthorizationResponse({
      authorizationResponse: form,
      authorizationRequestPayload: request,
      callbacks,
    });
    if (parsed.type !== "dcql") throw new Error(`a ${parsed.type} response, not DCQL`);
    outcome.jwe_header = parsed.jarm
      ? JSON.parse(Buffer.from(form.response.split(".")[0], "base64url").toString())
      : null;
    outcome.state_ok = parsed.authorizationResponsePayload.state === request.state;
    if (!outcome.state_ok) throw new Error("the state is not the request's");
    const presentations = parsed.dcql.presentations[queryId];
    if (!presentations || presentations.length !== 1) throw new Error("no single presentation for the query");
    let presentation = presentations[0];
    if (config.tamper) presentation = tamper(presentation);
    const checked = await verifyPresentation(presentation);
    Object.assign(outcome, checked, { verified: true });
    return { status: 200, body: {} };
  } catch (error) {
    outcome.error = String(error?.message ?? error);
    return { status: 400, body: { error: "invalid_request", error_description: outcome.error } };
  }
}

// Change the value of the first disclosure after the wallet made its KB-JWT over it.
function tamper(presentation) {
  const parts = presentation.split("~");
  const [salt, name] = JSON.parse(Buffer.from(parts[1], "base64url").toString());
  parts[1] = b64url(JSON.stringify([salt, name, "tampered"]));
  return parts.join("~");
}

async function issuerKey(iss, kid) {
  if (config.pinned_issuer_keys?.[iss]) return config.pinned_issuer_keys[iss];
  const url = new URL(iss);
  const metadata = await (await fetch(`${url.origin}/.well-known/jwt-vc-issuer${url.pathname.replace(/\/$/, "")}`)).json();
  if (metadata.issuer !== iss) throw new Error("the issuer metadata is another issuer's");
  const found = metadata.jwks.keys.find((key) => key.kid === kid);
  if (!found) throw new Error(`the issuer publishes no key ${kid}`);
  return found;
}

async function verifyPresentation(presentation) {
  const [issuerJwt] = presentation.split("~");
  const header = JSON.parse(Buffer.from(issuerJwt.split(".")[0], "base64url").toString());
  const claims = JSON.parse(Buffer.from(issuerJwt.split(".")[1], "base64url").toString());
  const publicJwk = await issuerKey(claims.iss, header.kid);
  const verifyWith = async (jwk, data, signature) => {
    const key = await jose.importJWK(jwk, "ES256");
    try {
      await jose.compactVerify(`${data}.${signature}`, key, { algorithms: ["ES256"] });
      return true;
    } catch {
      return false;
    }
  };
  const sdjwt = new SDJwtInstance({
    hasher: (data, alg) => createHash(alg.replace("-", "").toLowerCase()).update(data).digest(),
    verifier: (data, signature) => verifyWith(publicJwk, data, signature),
    kbVerifier: (data, signature, payload) => verifyWith(payload.cnf.jwk, data, signature),
  });
  const verified = await sdjwt.verify(presentation, {
    keyBindingNonce: request.nonce,
    requiredClaimKeys: config.claims,
  });
  if (header.typ !== "dc+sd-jwt") throw new Error(`typ ${header.typ}`);
  if (!dcqlQuery.credentials[0].meta.vct_values.includes(verified.payload.vct)) throw new Error("another vct");
  if (verified.kb.payload.aud !== clientId) throw new Error(`KB-JWT aud ${verified.kb.payload.aud}`);
  return {
    issuer: verified.payload.iss,
    vct: verified.payload.vct,
    disclosed: Object.fromEntries(config.claims.map((name) => [name, verified.payload[name]])),
    claim_names: Object.keys(verified.payload).filter((k) => !["_sd", "_sd_alg", "cnf"].includes(k)).sort(),
    kb_aud: verified.kb.payload.aud,
    kb_nonce_ok: verified.kb.payload.nonce === request.nonce,
  };
}

process.stdout.write(
  JSON.stringify({ base, client_id: clientId, authorization_request: created.authorizationRequest }) + "\n",
);
