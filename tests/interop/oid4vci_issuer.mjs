// A credential issuer built on third-party OpenID4VCI 1.0 libraries, for shikaku's wallet to
// receive from: @openid4vc/openid4vci's Openid4vciIssuer (metadata, offer, nonce, credential
// request and key proof) and @openid4vc/oauth2's authorization server and resource server
// (the pre-authorized code token request with its tx_code, DPoP, the access token and its
// check at the credential endpoint), all from the OpenWallet Foundation's oid4vc-ts. The
// dc+sd-jwt credential is made and signed (ES256) by @sd-jwt/core and bound to the key of the
// wallet's proof (cnf.jwk). This is test code for tests/interop/test_wallet_third_party.py,
// not part of shikaku.
//
// The authorization server has an issuer of its own with a path (<base>/as), as a separately
// run authorization server would: the credential issuer names it in `authorization_servers`
// and its metadata is at /.well-known/oauth-authorization-server/as (RFC 8414 §3.1). The
// issuer's signing keys are published as JWT VC Issuer Metadata at /.well-known/jwt-vc-issuer
// (draft-ietf-oauth-sd-jwt-vc §5).
//
// Input: one JSON object on stdin's first line:
//   {"certificate": PEM path, "key": PEM path, "vct": ..., "claims": {...}, "tx_code": "123456",
//    "sd": ["claim", ...], "wrong_cnf": false, "dpop": true}
// Output: one JSON line once listening: {"base", "offer", "offer_by_reference", "tx_code"}.
// GET /test/events answers what happened, for the test to see. The process ends when stdin
// closes.
import { createHash, generateKeyPairSync, randomBytes, randomUUID, sign } from "node:crypto";
import { readConfig, serve } from "./service.mjs";
import { Openid4vciIssuer, Openid4vciVersion } from "@openid4vc/openid4vci";
import {
  Oauth2AuthorizationServer,
  Oauth2ResourceServer,
  Oauth2ServerErrorResponseError,
  Oauth2ResourceUnauthorizedError,
  clientAuthenticationNone,
  preAuthorizedCodeGrantIdentifier,
} from "@openid4vc/oauth2";
import { SDJwtInstance } from "@sd-jwt/core";
import * as jose from "jose";

const config = await readConfig();

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");
const events = [];
const event = (what, detail = {}) => events.push({ what, ...detail });

function newKey(kid) {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return { privateKey, publicJwk: { ...publicKey.export({ format: "jwk" }), kid } };
}
const accessTokenKey = newKey("access-token-1");
const issuerKey = newKey("sd-jwt-1");
const otherKey = newKey("not-the-wallets");
const privateKeys = new Map([
  [accessTokenKey.publicJwk.kid, accessTokenKey.privateKey],
  [issuerKey.publicJwk.kid, issuerKey.privateKey],
]);

const es256 = (key, input) =>
  b64url(sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" }));

const callbacks = {
  hash: (data, alg) => createHash(alg.replace("-", "").toLowerCase()).update(data).digest(),
  generateRandom: (length) => randomBytes(length),
  fetch: globalThis.fetch,
  // The issuer authenticates no client: the pre-authorized code flow's anonymous access.
  clientAuthentication: clientAuthenticationNone({ clientId: "unused" }),
  signJwt: async (signer, { header, payload }) => {
    if (signer.method !== "jwk" || signer.alg !== "ES256") throw new Error("ES256 jwk only");
    const privateKey = privateKeys.get(signer.publicJwk.kid);
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return { jwt: `${input}.${es256(privateKey, input)}`, signerJwk: signer.publicJwk };
  },
  verifyJwt: async (signer, { compact }) => {
    if (signer.method !== "jwk") return { verified: false };
    try {
      const key = await jose.importJWK(signer.publicJwk, signer.alg);
      await jose.compactVerify(compact, key, { algorithms: [signer.alg] });
      return { verified: true, signerJwk: signer.publicJwk };
    } catch {
      return { verified: false };
    }
  },
};

const issuer = new Openid4vciIssuer({ callbacks });
const authorizationServer = new Oauth2AuthorizationServer({ callbacks });
const resourceServer = new Oauth2ResourceServer({ callbacks });
const sdjwt = new SDJwtInstance({
  hasher: (data, alg) => createHash(alg.replace("-", "").toLowerCase()).update(data).digest(),
  hashAlg: "sha-256",
  saltGenerator: () => b64url(randomBytes(16)),
  signAlg: "ES256",
  signer: (input) => es256(issuerKey.privateKey, input),
});

const port = await serve(config, handle, (message) => event("error", { message }));
const base = `https://127.0.0.1:${port}`;
const asIssuer = `${base}/as`;

const authorizationServerMetadata = authorizationServer.createAuthorizationServerMetadata({
  issuer: asIssuer,
  token_endpoint: `${asIssuer}/token`,
  jwks_uri: `${asIssuer}/jwks`,
  ...(config.dpop === false ? {} : { dpop_signing_alg_values_supported: ["ES256"] }),
  grant_types_supported: [preAuthorizedCodeGrantIdentifier],
  "pre-authorized_grant_anonymous_access_supported": true,
});
const configurationId = "interop_dc_sd_jwt";
const configurations = {
  [configurationId]: {
    format: "dc+sd-jwt",
    vct: config.vct,
    cryptographic_binding_methods_supported: ["jwk"],
    credential_signing_alg_values_supported: ["ES256"],
    proof_types_supported: { jwt: { proof_signing_alg_values_supported: ["ES256"] } },
  },
};
const credentialIssuerMetadata = issuer.createCredentialIssuerMetadata({
  credential_issuer: base,
  credential_endpoint: `${base}/credential`,
  nonce_endpoint: `${base}/nonce`,
  authorization_servers: [asIssuer],
  credential_configurations_supported: configurations,
});
const issuerMetadata = {
  credentialIssuer: credentialIssuerMetadata,
  authorizationServers: [authorizationServerMetadata],
  originalDraftVersion: Openid4vciVersion.V1,
  knownCredentialConfigurations: configurations,
};

const preAuthorizedCode = b64url(randomBytes(24));
let codeUsed = false;
const grants = {
  [preAuthorizedCodeGrantIdentifier]: {
    "pre-authorized_code": preAuthorizedCode,
    tx_code: { input_mode: "numeric", length: config.tx_code.length, description: "Sent to you by mail" },
  },
};
const byValue = await issuer.createCredentialOffer({
  issuerMetadata,
  credentialConfigurationIds: [configurationId],
  grants,
  credentialOfferScheme: "openid-credential-offer://",
});
const byReference = await issuer.createCredentialOffer({
  issuerMetadata,
  credentialConfigurationIds: [configurationId],
  grants,
  credentialOfferScheme: "openid-credential-offer://",
  credentialOfferUri: `${base}/offer`,
});
const nonces = new Map(); // c_nonce -> expiry

const json = (status, body, headers = {}) => ({ status, body, headers });
const requestLike = (req) => ({
  method: req.method,
  url: `${base}${req.url}`,
  headers: new Headers(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
});

async function handle(req, text) {
  const path = new URL(req.url, base).pathname;
  const route = `${req.method} ${path}`;
  try {
    return await respond(route, req, text);
  } catch (error) {
    if (error instanceof Oauth2ServerErrorResponseError) {
      event("refused", { route, error: error.errorResponse.error, description: error.message });
      return json(error.status ?? 400, error.errorResponse);
    }
    if (error instanceof Oauth2ResourceUnauthorizedError) {
      event("refused", { route, error: "unauthorized", description: error.message });
      return json(401, { error: "invalid_token" }, { "WWW-Authenticate": error.toHeaderValue() });
    }
    throw error;
  }
}

async function respond(route, req, text) {
  switch (route) {
    case "GET /.well-known/openid-credential-issuer":
      return json(200, credentialIssuerMetadata);
    case "GET /.well-known/oauth-authorization-server/as":
      return json(200, authorizationServerMetadata);
    case "GET /as/jwks":
      return json(200, { keys: [accessTokenKey.publicJwk] });
    case "GET /.well-known/jwt-vc-issuer":
      return json(200, { issuer: base, jwks: { keys: [issuerKey.publicJwk] } });
    case "GET /offer":
      return json(200, byReference.credentialOfferObject);
    case "GET /test/events":
      return json(200, events);
    case "POST /as/token":
      return token(req, text);
    case "POST /nonce": {
      const cNonce = b64url(randomBytes(16));
      nonces.set(cNonce, Date.now() + 300_000);
      event("nonce");
      return json(200, issuer.createNonceResponse({ cNonce, cNonceExpiresIn: 300 }));
    }
    case "POST /credential":
      return credential(req, text);
    default:
      return json(404, { error: "not_found" });
  }
}

async function token(req, text) {
  const request = requestLike(req);
  const form = Object.fromEntries(new URLSearchParams(text));
  const parsed = authorizationServer.parseAccessTokenRequest({ accessTokenRequest: form, request });
  if (parsed.grant.grantType !== preAuthorizedCodeGrantIdentifier) {
    return json(400, { error: "unsupported_grant_type" });
  }
  if (codeUsed) return json(400, { error: "invalid_grant", error_description: "code used" });
  const { dpop } = await authorizationServer.verifyPreAuthorizedCodeAccessTokenRequest({
    authorizationServerMetadata,
    grant: parsed.grant,
    accessTokenRequest: parsed.accessTokenRequest,
    request,
    expectedPreAuthorizedCode: preAuthorizedCode,
    expectedTxCode: config.tx_code,
    dpop: { required: config.dpop !== false, allowedSigningAlgs: ["ES256"], ...parsed.dpop },
  });
  codeUsed = true;
  const response = await authorizationServer.createAccessTokenResponse({
    audience: base,
    authorizationServer: asIssuer,
    signer: { method: "jwk", alg: "ES256", publicJwk: accessTokenKey.publicJwk },
    subject: "interop-holder",
    expiresInSeconds: 300,
    dpop,
  });
  event("token", { token_type: response.token_type, dpop_jwk: dpop?.jwk ?? null });
  return json(200, response);
}

async function credential(req, text) {
  const request = requestLike(req);
  const { dpop, scheme } = await resourceServer.verifyResourceRequest({
    authorizationServers: [authorizationServerMetadata],
    request,
    resourceServer: base,
    allowedAuthenticationSchemes: [config.dpop === false ? "Bearer" : "DPoP"],
  });
  const parsed = issuer.parseCredentialRequest({ issuerMetadata, credentialRequest: JSON.parse(text) });
  const jwts = parsed.proofs?.jwt ?? [];
  if (parsed.credentialConfigurationId !== configurationId || jwts.length !== 1) {
    return json(400, { error: "invalid_credential_request" });
  }
  const claimed = JSON.parse(Buffer.from(jwts[0].split(".")[1], "base64url").toString()).nonce;
  const expiry = nonces.get(claimed);
  if (!expiry || expiry < Date.now()) {
    event("refused", { route: "POST /credential", error: "invalid_nonce" });
    return json(400, { error: "invalid_nonce" });
  }
  nonces.delete(claimed);
  const proof = await issuer.verifyCredentialRequestJwtProof({
    issuerMetadata,
    jwt: jwts[0],
    expectedNonce: claimed,
    nonceExpiresAt: new Date(expiry),
  });
  const { kid: _kid, ...holderJwk } = proof.signer.publicJwk;
  const cnfJwk = config.wrong_cnf ? (({ kid, ...rest }) => rest)(otherKey.publicJwk) : holderJwk;
  const now = Math.floor(Date.now() / 1000);
  const payload = { iss: base, iat: now, exp: now + 86400, vct: config.vct, cnf: { jwk: cnfJwk }, ...config.claims };
  const issued = await sdjwt.issue(
    payload,
    { _sd: config.sd },
    { header: { typ: "dc+sd-jwt", alg: "ES256", kid: issuerKey.publicJwk.kid } },
  );
  event("credential", {
    scheme,
    dpop_jwk: dpop?.jwk ?? null,
    proof_alg: proof.header.alg,
    holder_jwk: holderJwk,
    credential: issued,
  });
  const credentialResponse = issuer.createCredentialResponse({
    credentialRequest: parsed,
    credentials: [{ credential: issued }],
    notificationId: randomUUID(),
  });
  return json(200, credentialResponse);
}

process.stdout.write(
  JSON.stringify({
    base,
    offer: byValue.credentialOffer,
    offer_by_reference: byReference.credentialOffer,
    issuer_jwk: issuerKey.publicJwk,
  }) + "\n",
);
