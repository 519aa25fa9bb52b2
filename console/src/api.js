// The hub's GraphQL API over HTTP, and the dispatch-state subscription over graphql-transport-ws.
import manifest from "../../hub/schema/documents/manifest.json";
import { getLang } from "./i18n.js";

let token = localStorage.getItem("hub.token") || "";

export const getToken = () => token;
export function setToken(next) {
  token = next.trim();
  localStorage.setItem("hub.token", token);
}
export const authHeaders = () => (token ? { Authorization: `Bearer ${token}` } : {});

// Registered documents (hub/schema/documents/, Apollo's persisted-query manifest): the console
// sends one by its sha256, as Apollo's persisted-query extension does; other texts as they are.
const registered = Object.fromEntries(manifest.operations.map((op) => [op.name, op]));
const ids = new Map(manifest.operations.map((op) => [op.body, op.id]));

async function post(request) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeaders() },
    body: JSON.stringify(request),
  });
  return response.json();
}

export async function gql(query, variables = {}) {
  const id = ids.get(query);
  let body = await post(id
    ? { variables, extensions: { persistedQuery: { version: 1, sha256Hash: id } } }
    : { query, variables });
  if (body.errors?.[0]?.extensions?.code === "PERSISTED_QUERY_NOT_FOUND") {
    body = await post({ query, variables });  // a server with other documents: send the text
  }
  if (body.errors?.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  return body.data;
}

// A mutation's payload. Every mutation answers { …, errors } (user errors: field, code,
// message, messageZh); those are thrown as one Error in the console's language.
export async function mutate(query, variables = {}) {
  const payload = Object.values(await gql(query, variables))[0];
  if (payload.errors?.length) {
    const zh = getLang() === "zh";
    throw new Error(payload.errors.map((e) =>
      `${e.field ? `${e.field}: ` : ""}${zh ? e.messageZh : e.message}`).join("; "));
  }
  return payload;
}

// Subscribe to dispatchEvents; calls onEvent(payload) and onState("on" | "off"). Tolerant of
// a server without it (or with another shape): each selection is tried in turn, then "off".
export function subscribeDispatch(onEvent, onState) {
  const selections = [
    "subscription { dispatchEvents { demandId volunteerId fromState toState at } }",
    "subscription { dispatchEvents { __typename } }",
    "subscription { dispatchEvents }"];
  let attempt = 0;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    let ws;
    try {
      ws = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
    } catch {
      onState("off");
      return;
    }
    ws.onopen = () => ws.send(JSON.stringify({ type: "connection_init", payload: authHeaders() }));
    ws.onmessage = (message) => {
      const msg = JSON.parse(message.data);
      if (msg.type === "connection_ack") {
        ws.send(JSON.stringify({ id: "1", type: "subscribe",
          payload: { query: selections[attempt] } }));
        onState("on");
      } else if (msg.type === "next" && msg.payload?.data) {
        onEvent(msg.payload.data.dispatchEvents);
      } else if (msg.type === "error" || msg.payload?.errors) {
        ws.close();
        if (++attempt < selections.length) open();
        else onState("off");
      } else if (msg.type === "ping") {
        ws.send(JSON.stringify({ type: "pong" }));
      }
    };
    ws.onerror = () => onState("off");
  };
  open();
}

export const DEMAND = registered.Demand.body;
export const CANDIDATES = registered.Candidates.body;
export const REGIONS = registered.Regions.body;
export const PREVIEW = registered.Preview.body;
export const COMMIT = registered.Commit.body;
