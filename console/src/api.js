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
  if (body.errors?.length) {
    // Top-level errors (FORBIDDEN, UNAUTHENTICATED, bad input…) in the console's language.
    const zh = getLang() === "zh";
    const err = new Error(body.errors.map((e) =>
      (zh && e.extensions?.messageZh) || e.extensions?.messageEn || e.message).join("; "));
    err.codes = body.errors.map((e) => e.extensions?.code).filter(Boolean);
    throw err;
  }
  return body.data;
}

// A mutation's payload. Every mutation answers { …, errors } (user errors: field, code,
// message, messageZh); those are thrown as one Error in the console's language.
export async function mutate(query, variables = {}) {
  const payload = Object.values(await gql(query, variables))[0];
  if (payload.errors?.length) {
    const zh = getLang() === "zh";
    const err = new Error(payload.errors.map((e) =>
      `${e.field ? `${e.field}: ` : ""}${zh ? e.messageZh : (e.messageEn ?? e.message)}`).join("; "));
    err.errors = payload.errors;  // each with code and field, for forms to place them
    throw err;
  }
  return payload;
}

// Dispatch state changes (the dispatchEvents subscription over graphql-transport-ws), kept
// alive: a lost or refused connection is opened again after 1, 2, 4 … 30 s, and `restart()`
// (after signing in) opens it at once with the new token. onState: "on" | "off" | "signin".
const LIVE = "subscription Live { dispatchEvents { dispatchId demandId volunteerId fromState "
  + "toState at } }";

export function liveDispatch(onEvent, onState) {
  let ws = null;
  let timer = null;
  let delay = 1000;
  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(open, delay);
    delay = Math.min(delay * 2, 30_000);
  };
  function open() {
    clearTimeout(timer);
    if (ws) {
      ws.onclose = null;
      ws.close();
      ws = null;
    }
    if (!token) {
      onState("signin");
      return;
    }
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/graphql`, "graphql-transport-ws");
    ws = socket;
    socket.onopen = () => socket.send(JSON.stringify({ type: "connection_init",
      payload: authHeaders() }));
    socket.onmessage = (message) => {
      const msg = JSON.parse(message.data);
      if (msg.type === "connection_ack") {
        socket.send(JSON.stringify({ id: "live", type: "subscribe", payload: { query: LIVE } }));
        delay = 1000;
        onState("on");
      } else if (msg.type === "next" && msg.payload?.data) {
        onEvent(msg.payload.data.dispatchEvents);
      } else if (msg.type === "ping") {
        socket.send(JSON.stringify({ type: "pong" }));
      } else if (msg.type === "error" || msg.type === "complete") {
        socket.close();
      }
    };
    socket.onclose = () => {
      if (ws !== socket) return;
      ws = null;
      onState("off");
      schedule();
    };
  }
  open();
  // socket(): the open connection, for tests that drop it to see it come back.
  return { restart: () => { delay = 1000; open(); }, socket: () => ws };
}

export const DEMAND = registered.Demand.body;
export const CANDIDATES = registered.Candidates.body;
export const REGIONS = registered.Regions.body;
export const PREVIEW = registered.Preview.body;
export const COMMIT = registered.Commit.body;
export const HAND_DISPATCH = registered.HandDispatch.body;
export const RAISE_DEMAND = registered.RaiseDemand.body;
export const NEAREST_STATIONS = registered.PartnerNearestStations.body;
