#!/usr/bin/env node
// Query a running hub through a real Apollo Gateway with federated tracing (ftv1) on, and
// report the trace the gateway received and decoded (tests/schema/test_schema_tracing.py).
//
//   node gateway.mjs URL SDL_PATH QUERY
//
// The gateway is built from the hub's SDL (composed here, as compose.mjs does) and sends
// requests to URL over HTTP. A plugin turns trace capture on for each request, as Apollo's
// usage reporting does, so the gateway asks the subgraph for `apollo-federation-include-trace:
// ftv1` and decodes the `ftv1` extension of its answer into the query plan's trace.
// Prints one JSON object: {"result": <the gateway's response>, "fetches": [{"serviceName",
// "traceParsingFailed", "trace": {"durationNs", "root"}}]}; each trace node is
// {"responseName" | "index", "type", "parentType", "startTime", "endTime", "children"}.
import { readFileSync } from "node:fs";

import { composeServices } from "@apollo/composition";
import { ApolloGateway } from "@apollo/gateway";
import { ApolloServer } from "@apollo/server";
import { parse } from "graphql";

const [url, sdlPath, query] = process.argv.slice(2);
if (!url || !sdlPath || !query) {
  process.stderr.write("usage: node gateway.mjs URL SDL_PATH QUERY\n");
  process.exit(2);
}

const composed = composeServices([
  { name: "hub", url, typeDefs: parse(readFileSync(sdlPath, "utf8")) },
]);
if (composed.errors?.length) {
  process.stderr.write(composed.errors.map((e) => e.message).join("\n") + "\n");
  process.exit(1);
}

const plans = [];
const captureTraces = {
  async requestDidStart(requestContext) {
    requestContext.metrics.captureTraces = true;
    return {
      async willSendResponse({ metrics }) {
        plans.push(metrics.queryPlanTrace);
      },
    };
  },
};

const number = (value) => (value == null ? 0 : Number(value));

function node(traceNode) {
  const out = {
    type: traceNode.type || "",
    parentType: traceNode.parentType || "",
    startTime: number(traceNode.startTime),
    endTime: number(traceNode.endTime),
    children: (traceNode.child || []).map(node),
  };
  if (traceNode.responseName) {
    out.responseName = traceNode.responseName;
  } else {
    out.index = number(traceNode.index);
  }
  return out;
}

// Every fetch of a query plan trace (sequence, parallel, flatten, or a fetch itself).
function fetches(planNode) {
  if (!planNode) return [];
  if (planNode.fetch) {
    const { serviceName, traceParsingFailed, trace } = planNode.fetch;
    return [{
      serviceName,
      traceParsingFailed: !!traceParsingFailed,
      trace: trace ? { durationNs: number(trace.durationNs), root: node(trace.root || {}) } : null,
    }];
  }
  const children = [
    ...(planNode.sequence?.nodes || []),
    ...(planNode.parallel?.nodes || []),
    planNode.flatten?.node,
  ];
  return children.flatMap(fetches);
}

const server = new ApolloServer({
  gateway: new ApolloGateway({ supergraphSdl: composed.supergraphSdl }),
  plugins: [captureTraces],
});
await server.start();
try {
  const response = await server.executeOperation({ query });
  const result = response.body.kind === "single" ? response.body.singleResult : null;
  process.stdout.write(JSON.stringify({ result, fetches: plans.flatMap(fetches) }) + "\n");
} finally {
  await server.stop();
}
