// The hub's GraphQL API over HTTP, and the dispatch-state subscription over graphql-transport-ws.
import { getLang } from "./i18n.js";

let token = localStorage.getItem("hub.token") || "";

export const getToken = () => token;
export function setToken(next) {
  token = next.trim();
  localStorage.setItem("hub.token", token);
}
export const authHeaders = () => (token ? { Authorization: `Bearer ${token}` } : {});

export async function gql(query, variables = {}) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", ...authHeaders() },
    body: JSON.stringify({ query, variables }),
  });
  const body = await response.json();
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

export const DEMAND = `query Demand($id: ID!) { node(id: $id) { ... on Demand {
  id title description category requiredSkills needed startsAt endsAt status priority
  location { lon lat } region { name } } } }`;

export const CANDIDATES = `query Candidates($lon: Float!, $lat: Float!, $skills: [String!]) {
  volunteers(first: 10, near: { point: { lon: $lon, lat: $lat }, radiusM: 30000 },
             filter: { skills: $skills, statuses: ["active"] }) {
    totalCount edges { node { id name distanceM skills { skill level } } } } }`;

export const REGIONS = `query Regions($parent: String) { regions(parentCode: $parent) {
  code name level centroid { lon lat } } }`;

export const PREVIEW = `mutation Preview($region: String!, $from: DateTime!, $to: DateTime!) {
  previewDispatch(input: { regionCode: $region, from: $from, to: $to }) {
    plan { id stats { solver status filledSlots totalDistanceM candidatePairs }
      unfilled { missing code reason demand { id title location { lon lat } } }
      lines }
    errors { field code message messageZh } } }`;

export const COMMIT = `mutation Commit($id: ID!) { commitDispatch(input: { planId: $id }) {
  planId offered skipped { reason } errors { field code message messageZh } } }`;
