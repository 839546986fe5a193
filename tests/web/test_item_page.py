"""One ticket's runs across configurations and heals, side by side: page and JSON twin, over
HTTP on both databases."""

from __future__ import annotations

from sqlalchemy import update

from keel.store.engine import Database
from keel.store.models import Run
from tests.conftest import ApiClient
from tests.web.test_pages import HTML, post_runs
from tests.web.test_runs_api import make_run


def ticket_run(run_id: str, ticket_id: str, config: str, answer: str, **fields: object) -> dict:
    return make_run(
        run_id,
        inputs={"ticket_id": ticket_id, "ticket_text": "Which form shows the fee?"},
        output={"category": "TAX", "answer": answer},
        metrics={"config": config},
        **fields,
    )


def seed(api: ApiClient, database: Database) -> None:
    post_runs(
        api,
        ticket_run("v1-t1", "T-1", "v1", "Form 1099-R.", created_at="2026-11-01T09:00:00Z"),
        ticket_run("v2-t1", "T-1", "v2", "No tax is owed.", created_at="2026-11-02T09:00:00Z"),
        ticket_run("v1-t2", "T-2", "v1", "Wires arrive today."),
        make_run(
            "v1-t1-healed",
            parent_run_id="v1-t1",
            status="SELF_HEALED",
            inputs={"ticket_id": "T-1"},
            output={"category": "TAX", "answer": "Form 1099-R, box 4."},
            metrics={"config": "v1", "healed_from": "v1-t1"},
            created_at="2026-11-03T09:00:00Z",
        ),
    )
    with database.write() as session:
        session.execute(update(Run).where(Run.run_id == "v2-t1").values(risk=80.0))


def test_the_item_page_puts_its_runs_side_by_side_heals_beside_their_original(
    api: ApiClient, database: Database
) -> None:
    seed(api, database)
    twin = api.get("/api/v1/items/support/T-1").json()
    assert [(run["run_id"], run["kind"], run["config"]) for run in twin["runs"]] == [
        ("v1-t1", "original", "v1"),
        ("v1-t1-healed", "heal", "v1"),
        ("v2-t1", "original", "v2"),
    ]
    assert twin["item_key"] == "ticket_id" and twin["fields"] == ["answer", "category"]
    page = api.get("/items/support/T-1", headers=HTML).text
    for run in twin["runs"]:
        assert f'data-run-id="{run["run_id"]}"' in page
    assert "No tax is owed." in page and "Form 1099-R, box 4." in page and "high 80" in page
    assert "heal of" in page and "v1-t2" not in page


def test_run_detail_links_to_its_ticket(api: ApiClient, database: Database) -> None:
    seed(api, database)
    page = api.get("/runs/v2-t1", headers=HTML).text
    assert 'href="/items/support/T-1"' in page


def test_an_unknown_item_is_a_404_naming_it(api: ApiClient, database: Database) -> None:
    seed(api, database)
    response = api.get("/api/v1/items/support/T-404")
    assert response.status_code == 404 and response.json()["error"]["field"] == "item_id"
    assert api.get("/items/support/T-404", headers=HTML).status_code == 404
