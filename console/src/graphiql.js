// GraphiQL at GET /graphql, bundled from npm (graphiql, react) into the hub's own static files:
// nothing is loaded from another host. Queries go to /graphql on this origin; a token pasted
// in the Headers tab ({"Authorization": "Bearer …"}) is sent as it is.
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { createElement } from "react";
import { createRoot } from "react-dom/client";

const EXAMPLE = `# 科技志愿服务调度平台 GraphQL API. Ctrl-Enter runs the query.
# A token from \`hub token\` goes in Headers: {"Authorization": "Bearer <token>"}
query NearestStations {
  nearestStations(point: { lon: 113.6654, lat: 34.7579 }, k: 3) { name kind distanceM }
}
`;

async function fetcher(params, options) {
  const response = await fetch("/graphql", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json",
      ...(options?.headers ?? {}) },
    body: JSON.stringify(params),
  });
  return response.json();
}

const root = createRoot(document.getElementById("graphiql"));
root.render(createElement(GraphiQL, { fetcher, defaultQuery: EXAMPLE,
  defaultEditorToolsVisibility: true, isHeadersEditorEnabled: true }));
window.hubGraphiQL = { ready: true };
