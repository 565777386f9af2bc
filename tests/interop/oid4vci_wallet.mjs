// A wallet built on a third-party OpenID4VCI 1.0 client: @openid4vc/openid4vci
// (openwallet-foundation-labs/oid4vc-ts), installed by tests/interop/test_oid4vci_wallet.py
// into a cache directory. It receives every configuration of one credential offer from a
// shikaku board over HTTPS, the way a wallet app would, and prints what it received as JSON.
//
// Usage: node oid4vci_wallet.mjs <node_modules prefix> <spec JSON>
//   spec: {"offer": "openid-credential-offer://?...", "txCode": "123456", "batch": 2}
// Keys are made here with node:crypto (ES256 on P-256); the library builds every request
// (token with DPoP and tx_code, nonce, key proofs, credential, notification) itself.

import { createRequire } from "node:module";
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [prefix, specText] = process.argv.slice(2);
const spec = JSON.parse(specText);
const require = createRequire(join(prefix, "package.json"));
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);
const { Openid4vciClient } = await load("@openid4vc/openid4vci");
const { clientAuthenticationAnonymous } = await load("@openid4vc/oauth2");

const b64url = (bytes) => Buffer.from(bytes).toString("base64url");

function newKey() {
  const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const publicJwk = publicKey.export({ format: "jwk" });
  return { privateKey, publicJwk, signer: { method: "jwk", alg: "ES256", publicJwk } };
}

const keys = new Map(); // JSON of the public JWK -> private key
function remember(key) {
  keys.set(JSON.stringify(key.publicJwk), key.privateKey);
  return key;
}

const callbacks = {
  // The pre-authorized code flow with anonymous access (no client_id): OpenID4VCI 1.0 §6.1.
  clientAuthentication: clientAuthenticationAnonymous(),
  hash: (data, alg) => {
    if (alg !== "sha-256") throw new Error(`unexpected hash ${alg}`);
    return new Uint8Array(createHash("sha256").update(data).digest());
  },
  generateRandom: (length) => new Uint8Array(randomBytes(length)),
  signJwt: async (signer, { header, payload }) => {
    if (signer.method !== "jwk" || signer.alg !== "ES256") {
      throw new Error(`this wallet signs ES256 with a jwk, not ${signer.method}/${signer.alg}`);
    }
    const privateKey = keys.get(JSON.stringify(signer.publicJwk));
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    const signature = sign("sha256", Buffer.from(input), { key: privateKey, dsaEncoding: "ieee-p1363" });
    return { jwt: `${input}.${b64url(signature)}`, signerJwk: signer.publicJwk };
  },
};

// Every exchange, for the test to see what the library did: method, path, status, OAuth error.
const exchanges = [];
callbacks.fetch = async (url, init) => {
  const response = await fetch(url, init);
  let error;
  if (!response.ok && (response.headers.get("content-type") ?? "").includes("json")) {
    error = (await response.clone().json()).error;
  }
  const challenge = response.headers.get("WWW-Authenticate") ?? undefined;
  exchanges.push([init?.method ?? "GET", new URL(url).pathname, response.status, error ?? challenge ?? null]);
  return response;
};

const client = new Openid4vciClient({ callbacks });
const offer = await client.resolveCredentialOffer(spec.offer);
const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
const dpopKey = remember(newKey());
const token = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
  credentialOffer: offer,
  issuerMetadata,
  txCode: spec.txCode,
  dpop: { signer: dpopKey.signer },
});
let dpop = token.dpop;
const results = [];
for (const credentialConfigurationId of offer.credential_configuration_ids) {
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const holderKeys = Array.from({ length: spec.batch }, () => remember(newKey()));
  const jwts = [];
  for (const key of holderKeys) {
    const { jwt } = await client.createCredentialRequestJwtProof({
      issuerMetadata,
      credentialConfigurationId,
      signer: key.signer,
      nonce: c_nonce,
    });
    jwts.push(jwt);
  }
  const received = await client.retrieveCredentials({
    issuerMetadata,
    accessToken: token.accessTokenResponse.access_token,
    credentialConfigurationId,
    proofs: { jwt: jwts },
    dpop,
  });
  // The library hands back only the newest DPoP-Nonce; the key stays the wallet's.
  dpop = { signer: dpopKey.signer, nonce: received.dpop?.nonce ?? dpop?.nonce };
  const body = received.credentialResponse;
  const notified = await client.sendNotification({
    issuerMetadata,
    notification: { notificationId: body.notification_id, event: "credential_accepted" },
    accessToken: token.accessTokenResponse.access_token,
    dpop,
  });
  dpop = { signer: dpopKey.signer, nonce: notified.dpop?.nonce ?? dpop.nonce };
  results.push({
    credentialConfigurationId,
    format: issuerMetadata.credentialIssuer.credential_configurations_supported[credentialConfigurationId].format,
    credentials: body.credentials.map((entry) => entry.credential),
    holderJwks: holderKeys.map((key) => key.publicJwk),
    notificationId: body.notification_id,
    notificationStatus: notified.response.status,
  });
}
console.log(
  JSON.stringify({
    version: issuerMetadata.originalDraftVersion,
    tokenType: token.accessTokenResponse.token_type,
    exchanges,
    results,
  }),
);
