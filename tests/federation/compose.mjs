#!/usr/bin/env node
// Compose federation v2 subgraphs into a supergraph, as a gateway/router build would.
//
//   node compose.mjs hub=path/to/hub.graphql training=path/to/training.graphql
//
// Prints one JSON object on stdout:
//   {"errors": ["message", ...], "hints": [{"code": ..., "message": ...}, ...],
//    "supergraphSdl": "..."}            (supergraphSdl only when composition succeeded)
// and exits 0 when composition succeeded, 1 otherwise (bad arguments, unreadable or
// unparsable files, composition errors).
import { readFileSync } from "node:fs";

import { composeServices } from "@apollo/composition";
import { parse } from "graphql";

function fail(errors) {
  process.stdout.write(JSON.stringify({ errors, hints: [] }, null, 2) + "\n");
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.length === 0) {
  fail(["usage: node compose.mjs NAME=PATH [NAME=PATH ...]"]);
}

const services = [];
const problems = [];
for (const arg of args) {
  const eq = arg.indexOf("=");
  if (eq <= 0 || eq === arg.length - 1) {
    problems.push(`argument ${JSON.stringify(arg)} is not NAME=PATH`);
    continue;
  }
  const name = arg.slice(0, eq);
  const path = arg.slice(eq + 1);
  let text;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    problems.push(`${name}: cannot read ${path}: ${err.message}`);
    continue;
  }
  try {
    // `gql` from graphql-tag is exactly graphql's `parse` on the text.
    services.push({ name, url: `http://${name}.invalid/graphql`, typeDefs: parse(text) });
  } catch (err) {
    problems.push(`${name}: cannot parse ${path}: ${err.message}`);
  }
}
if (problems.length > 0) {
  fail(problems);
}

let result;
try {
  result = composeServices(services);
} catch (err) {
  fail([`composition crashed: ${err.stack ?? err}`]);
}

const out = {
  errors: (result.errors ?? []).map((e) => e.message),
  hints: (result.hints ?? []).map((h) => ({ code: h.definition?.code, message: h.message })),
};
if (result.supergraphSdl !== undefined) {
  out.supergraphSdl = result.supergraphSdl;
}
// exitCode, not exit(): exit() would cut off a supergraph longer than the pipe's buffer.
process.stdout.write(JSON.stringify(out, null, 2) + "\n");
process.exitCode = out.errors.length === 0 && out.supergraphSdl !== undefined ? 0 : 1;
