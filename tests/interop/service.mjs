// What the third-party services of shikaku's interop tests (oid4vci_issuer.mjs,
// oid4vp_verifier.mjs) share: their configuration is the first line of stdin, and they end when
// stdin closes; they serve HTTPS on a loopback port, answering each request with what
// `handle(request, body)` resolves to ({status, body, headers}; a body that is not a string is
// sent as JSON), or a 500 after telling `failed` why. Test code, not part of shikaku.
import { createServer } from "node:https";
import { readFileSync } from "node:fs";
import * as readline from "node:readline";

export async function readConfig() {
  const lines = readline.createInterface({ input: process.stdin });
  const config = JSON.parse(await new Promise((resolve) => lines.once("line", resolve)));
  lines.on("close", () => process.exit(0));
  return config;
}

export async function serve(config, handle, failed) {
  const tls = { cert: readFileSync(config.certificate), key: readFileSync(config.key) };
  const server = createServer(tls, (req, res) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => {
      handle(req, Buffer.concat(chunks).toString("utf8"))
        .then(({ status, body, headers }) => {
          const json = typeof body !== "string";
          res.writeHead(status, {
            "Cache-Control": "no-store",
            ...(json ? { "Content-Type": "application/json" } : {}),
            ...headers,
          });
          res.end(json ? JSON.stringify(body) : body);
        })
        .catch((error) => {
          failed(String(error?.message ?? error));
          res.writeHead(500, { "Content-Type": "application/json" });
          res.end(JSON.stringify({ error: "server_error" }));
        });
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server.address().port;
}
