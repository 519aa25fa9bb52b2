"""GraphiQL at GET /graphql comes from the hub's own bundle: with every other host blocked it
loads and runs a query. Screenshot: ``test-artifacts/graphiql.png``."""

from __future__ import annotations

import pytest

from tests.browser.conftest import ARTIFACTS, Offline

pytestmark = pytest.mark.browser


def test_graphiql_offline(offline: Offline, server: str) -> None:
    page = offline.page
    # The schema is loaded by introspection first; the query runs once it is.
    with page.expect_response(lambda r: r.url.endswith("/graphql")
                              and r.request.method == "POST", timeout=30_000) as schema:
        page.goto(server + "/graphql")
    assert '"__schema"' in schema.value.text()
    page.wait_for_selector(".graphiql-container", timeout=30_000)
    page.wait_for_timeout(300)
    page.click(".graphiql-execute-button")
    page.wait_for_function("document.querySelector('.result-window')?.innerText"
                           ".includes('\"nearestStations\"')", timeout=30_000)
    result = page.inner_text(".result-window")
    assert '"distanceM"' in result and '"errors"' not in result, result
    page.screenshot(path=str(ARTIFACTS / "graphiql.png"))
    assert not offline.elsewhere, offline.elsewhere
    assert not offline.errors, offline.errors
