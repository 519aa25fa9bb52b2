#!/usr/bin/env node
// The federation gateway in front of the hub (docs/deploy.md): Apollo Gateway, its supergraph
// composed at start-up from the hub's committed SDL (hub/schema/schema.graphql, copied into the
// image) and any other subgraphs', so a schema that does not compose stops the gateway before
// it serves. Each subgraph is one URL: the hub's is its load balancer (compose: `lb`;
// Kubernetes: the `hub` Service), whichever hub process answers.
//
//   SUBGRAPHS="hub=http://lb:8080/graphql=/app/hub.graphql[,name=url=sdl...]"  PORT=4000
//
// The caller's Authorization header is passed on to the subgraphs. GET /healthz answers 200
// once the gateway is up (liveness); GET /readyz asks every subgraph `{ __typename }` and
// answers 503 naming the first that does not answer (readiness).
import { readFileSync } from "node:fs";
import http from "node:http";

import { composeServices } from "@apollo/composition";
import { ApolloGateway, RemoteGraphQLDataSource } from "@apollo/gateway";
import { ApolloServer, HeaderMap } from "@apollo/server";
import { parse } from "graphql";

const port = Number(process.env.PORT || 4000);
const host = process.env.HOST || "0.0.0.0";
const specs = (process.env.SUBGRAPHS || "").split(",").filter(Boolean).map((spec) => {
  const [name, ...rest] = spec.split("=");
  const sdl = rest.pop();
  return { name, url: rest.join("="), sdl };
});
if (specs.length === 0 || specs.some((s) => !s.name || !s.url || !s.sdl)) {
  process.stderr.write("gateway: set SUBGRAPHS=name=url=sdl_path[,...]\n");
  process.exit(2);
}

const composed = composeServices(specs.map(({ name, url, sdl }) => (
  { name, url, typeDefs: parse(readFileSync(sdl, "utf8")) })));
if (composed.errors?.length) {
  process.stderr.write("gateway: the subgraphs do not compose:\n"
    + composed.errors.map((e) => e.message).join("\n") + "\n");
  process.exit(1);
}

class Forwarding extends RemoteGraphQLDataSource {
  willSendRequest({ request, context }) {
    if (context.authorization) {
      request.http.headers.set("authorization", context.authorization);
    }
  }
}

const server = new ApolloServer({
  gateway: new ApolloGateway({
    supergraphSdl: composed.supergraphSdl,
    buildService: ({ url }) => new Forwarding({ url }),
  }),
});
await server.start();

async function body(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return Buffer.concat(chunks).toString("utf8");
}

async function ready() {
  for (const { name, url } of specs) {
    try {
      const answer = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query: "{ __typename }" }),
        signal: AbortSignal.timeout(3000),
      });
      if (!answer.ok) return `${name}: HTTP ${answer.status}`;
    } catch (err) {
      return `${name}: ${err.message}`;
    }
  }
  return null;
}

function send(res, status, headers, text) {
  res.writeHead(status, headers);
  res.end(text);
}

const listener = http.createServer(async (req, res) => {
  const path = new URL(req.url, "http://gateway").pathname;
  try {
    if (path === "/healthz") {
      return send(res, 200, { "content-type": "application/json" }, '{"status":"ok"}');
    }
    if (path === "/readyz") {
      const problem = await ready();
      return send(res, problem ? 503 : 200, { "content-type": "application/json" },
        JSON.stringify(problem ? { status: "unavailable", reason: problem } : { status: "ready" }));
    }
    if (path !== "/graphql" && path !== "/") {
      return send(res, 404, { "content-type": "text/plain" }, "not found\n");
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(", ") : value);
    }
    const text = req.method === "POST" ? await body(req) : "";
    const answer = await server.executeHTTPGraphQLRequest({
      httpGraphQLRequest: {
        method: req.method,
        headers,
        search: new URL(req.url, "http://gateway").search,
        body: text ? JSON.parse(text) : undefined,
      },
      context: async () => ({ authorization: req.headers.authorization }),
    });
    const out = {};
    for (const [key, value] of answer.headers) out[key] = value;
    res.writeHead(answer.status || 200, out);
    if (answer.body.kind === "complete") {
      res.end(answer.body.string);
    } else {
      for await (const chunk of answer.body.asyncIterator) res.write(chunk);
      res.end();
    }
  } catch (err) {
    send(res, 400, { "content-type": "application/json" },
      JSON.stringify({ errors: [{ message: String(err.message || err) }] }));
  }
});

listener.listen(port, host, () => {
  process.stdout.write(`gateway: serving http://${host}:${port}/graphql\n`);
});
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    listener.close();
    server.stop().finally(() => process.exit(0));
  });
}
