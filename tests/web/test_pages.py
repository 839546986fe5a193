"""Dashboard pages over HTTP on both databases: what they render, their errors, their assets.

The browser tests (test_runs_page.py, test_run_detail_page.py) run on SQLite; these run the
same store queries on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

import httpx
from sqlalchemy import update

from keel.store.engine import Database
from keel.store.flags import replace_flags
from keel.store.models import Replay, Run
from tests.conftest import ApiClient
from tests.web.test_runs_api import make_run

HTML = {"accept": "text/html"}


def post_runs(api: httpx.Client, *runs: dict) -> None:
    api.post("/api/v1/runs:batch", json={"runs": list(runs)}).raise_for_status()


def row_ids(html: str) -> list[str]:
    return re.findall(r'<tr data-run-id="([^"]+)"', html)


def test_empty_runs_page_says_how_to_send_runs(api: ApiClient, database: Database) -> None:
    response = api.get("/", headers=HTML)
    assert response.status_code == 200
    assert "No runs yet" in response.text
    assert "make demo" in response.text and "/api/v1/runs:batch" in response.text


def test_runs_page_matches_its_json_twin(api: ApiClient, database: Database) -> None:
    post_runs(
        api,
        *[
            make_run(
                f"r{i:02d}",
                workflow_type="sql" if i % 3 == 0 else "support",
                model="m-a" if i % 2 else "m-b",
                created_at=f"2026-11-{i + 1:02d}T08:00:00Z",
            )
            for i in range(12)
        ],
    )
    params = {"workflow_type": "support", "until": "2026-11-08", "sort": "run_id", "order": "asc"}
    page = api.get("/", params=params, headers=HTML)
    twin = api.get("/api/v1/runs", params=params).json()
    assert row_ids(page.text) == [run["run_id"] for run in twin["runs"]]
    assert row_ids(page.text) == ["r01", "r02", "r04", "r05", "r07"]
    assert '<option value="m-a"' in page.text and '<option value="sql"' in page.text


def test_blank_form_fields_mean_any(api: ApiClient, database: Database) -> None:
    post_runs(api, make_run("r1"), make_run("r2"))
    blank = "workflow_type=&status=&model=&stability_min=&stability_max=&since=&until=&q="
    page = api.get(f"/?{blank}", headers=HTML)
    twin = api.get(f"/api/v1/runs?{blank}")
    assert sorted(row_ids(page.text)) == ["r1", "r2"]
    assert len(twin.json()["runs"]) == 2


def test_htmx_gets_only_the_table(api: ApiClient, database: Database) -> None:
    post_runs(api, make_run("r1"))
    response = api.get("/?sort=cost_usd", headers={"hx-request": "true"})
    assert response.status_code == 200
    assert "<html" not in response.text and row_ids(response.text) == ["r1"]
    assert "HX-Request" in response.headers["vary"]
    restore = {"hx-request": "true", "hx-history-restore-request": "true"}
    assert "<html" in api.get("/", headers=restore).text


def test_pager_links_carry_the_filters(api: ApiClient, database: Database) -> None:
    post_runs(api, *[make_run(f"r{i}", model="m-a") for i in range(5)])
    page = api.get("/?model=m-a&limit=2&sort=run_id&order=asc", headers=HTML)
    next_link = re.search(r'rel="next" href="([^"]+)"', page.text)
    assert next_link is not None
    second = api.get(next_link.group(1).replace("&amp;", "&"), headers=HTML)
    assert row_ids(second.text) == ["r2", "r3"]
    previous = re.search(r'rel="prev" href="([^"]+)"', second.text)
    assert previous is not None and "model=m-a" in previous.group(1)
    first = api.get(previous.group(1).replace("&amp;", "&"), headers=HTML)
    assert row_ids(first.text) == ["r0", "r1"]


def test_bad_filter_is_an_html_page_for_browsers_and_json_for_the_api(
    api: ApiClient, database: Database
) -> None:
    page = api.get("/?stability_min=high", headers=HTML)
    assert page.status_code == 422
    assert "text/html" in page.headers["content-type"] and "stability_min" in page.text
    twin = api.get("/api/v1/runs?stability_min=high", headers=HTML)
    assert twin.status_code == 422 and twin.json()["error"]["field"] == "stability_min"
    sort = api.get("/?sort=color", headers=HTML)
    assert sort.status_code == 422 and "sort must be one of" in sort.text


def test_unknown_page_is_an_html_404(api: ApiClient) -> None:
    response = api.get("/no/such/page", headers=HTML)
    assert response.status_code == 404
    assert "Not found" in response.text and "<html" in response.text
    twin = api.get("/api/v1/nothing", headers=HTML)
    assert twin.status_code == 404 and twin.json()["error"]["code"] == "not_found"


def test_assets_are_served_by_keel_itself(api: ApiClient) -> None:
    plotly = api.get("/static/vendor/plotly-cartesian.min.js")
    assert plotly.status_code == 200 and "javascript" in plotly.headers["content-type"]
    assert len(plotly.content) > 1_000_000
    htmx = api.get("/static/vendor/htmx.min.js")
    assert htmx.status_code == 200 and htmx.text.startswith("/*! htmx 2.")
    page = api.get("/", headers=HTML).text
    sources = re.findall(r'(?:src|href)="([^"#]+)"', page)
    assert sources and all(source.startswith("/") for source in sources)


def store_flagged_run(api: httpx.Client, database: Database) -> None:
    answer = "Wires sent before 4 pm arrive today. You owe no tax on this."
    post_runs(api, make_run("orig", output={"answer": answer}), make_run("healed"))
    with database.write() as session:
        start = answer.index("You owe no tax")
        replace_flags(
            session,
            "orig",
            "content",
            [
                {
                    "rule_id": "prohibited.no_tax_owed",
                    "category": "TAX",
                    "severity": "high",
                    "evidence": {
                        "field": "answer",
                        "start": start,
                        "end": start + 14,
                        "text": "You owe no tax",
                    },
                },
            ],
        )
        session.execute(update(Run).where(Run.run_id == "healed").values(parent_run_id="orig"))
        session.add(
            Replay(
                replay_id="rp1", base_run_id="orig", perturbation_type="P1", replay_run_id="healed"
            )
        )


def test_run_detail_shows_graph_flags_and_links(api: ApiClient, database: Database) -> None:
    store_flagged_run(api, database)
    page = api.get("/runs/orig", headers=HTML)
    assert page.status_code == 200
    # Two LLM events and one tool call recorded apart from them: three steps.
    assert len(re.findall(r'<a href="#[^"]+" class="step-node', page.text)) == 3
    assert re.search(
        r'<mark class="flag sev-high" id="mark-0"[^>]*>You owe no tax</mark>', page.text
    )
    assert 'href="/runs/healed"' in page.text and "rp1" in page.text
    healed = api.get("/runs/healed", headers=HTML).text
    assert 'href="/runs/orig"' in healed and "Derived from" in healed


def test_run_json_twin_carries_flags_and_links(api: ApiClient, database: Database) -> None:
    store_flagged_run(api, database)
    run = api.get("/api/v1/runs/orig").json()
    assert [flag["rule_id"] for flag in run["policy_flags"]] == ["prohibited.no_tax_owed"]
    assert run["policy_flags"][0]["evidence"]["text"] == "You owe no tax"
    assert [child["run_id"] for child in run["links"]["children"]] == ["healed"]
    assert run["links"]["replays"][0]["replay_run_id"] == "healed"
    replay = api.get("/api/v1/runs/healed").json()
    assert replay["links"]["parent"]["run_id"] == "orig"
    assert replay["links"]["replay_of"]["base_run_id"] == "orig"


def test_unknown_run_is_a_clear_404_page(api: ApiClient, database: Database) -> None:
    page = api.get("/runs/no-such-run", headers=HTML)
    assert page.status_code == 404
    assert "run with id &#39;no-such-run&#39;" in page.text
    assert "finds runs by id prefix" in page.text
    twin = api.get("/api/v1/runs/no-such-run", headers=HTML)
    assert twin.status_code == 404 and twin.json()["error"]["code"] == "not_found"
