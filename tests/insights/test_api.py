"""GET /api/v1/insights/funnel and /insights/kpis: the ledger's figures, who may read
them, and a 422 that names the parameter for every bad filter."""

from decimal import Decimal

import pytest
from django.test import Client

from ..api_client import client_for, send
from .conftest import PERIOD, SECRET_NAMES


def test_funnel_figures(ledger, staff_pk):
    response = send(Client(), "get", "/insights/funnel", PERIOD, user=staff_pk)
    assert response.status_code == 200
    body = response.json()
    assert body["filters"] == {
        "from": "2025-01-01",
        "to": "2025-06-30",
        "sector": None,
        "pair": None,
        "zone": None,
        "authority": None,
    }
    assert [(s["code"], s["count"]) for s in body["stages"]] == [
        ("profiles", 4),
        ("interests", 9),
        ("accepted", 5),
        ("introduced", 3),
        ("met", 2),
        ("agreement", 2),
    ]
    accepted = body["stages"][2]
    assert accepted["label"] == "Accepted"
    assert accepted["share_of_previous"] == pytest.approx(5 / 9)
    assert body["stages"][1]["share_of_previous"] is None


def test_funnel_with_every_filter(ledger, platform_admin):
    query = {
        **PERIOD,
        "sector": "fintech",
        "pair": "cn-pk",
        "zone": "haidian",
        "authority": "zpark",
    }
    response = send(Client(), "get", "/insights/funnel", query, user=platform_admin)
    body = response.json()
    assert body["filters"]["pair"] == "CN-PK"
    # Haidian's fintech interests: the withdrawn-after-acceptance one and the full path.
    assert [s["count"] for s in body["stages"]] == [0, 2, 2, 1, 1, 1]


def test_kpi_figures(ledger, staff_cn):
    response = send(Client(), "get", "/insights/kpis", PERIOD, user=staff_cn)
    assert response.status_code == 200
    body = response.json()
    assert body["meetings"] == {
        "accepted": 6,
        "held": 3,
        "not_held": 1,
        "disputed": 1,
        "awaiting": 1,
        "held_share": 0.5,
    }
    # No B2B event in this ledger (tests/insights/test_event_meetings.py has them).
    assert body["event_meetings"] == {
        "scheduled": 0,
        "held": 0,
        "not_held": 0,
        "awaiting": 0,
        "held_share": None,
    }
    agreements = body["agreements"]
    assert agreements["total"] == 7
    assert agreements["by_status"] == {"signed": 4, "in_force": 1, "completed": 1, "terminated": 1}
    assert agreements["without_value"] == 2
    mou = next(k for k in agreements["by_kind"] if k["kind"] == "mou")
    assert mou == {
        "kind": "mou",
        "label": "memorandum of understanding",
        "total": 2,
        "by_status": {"signed": 1, "in_force": 1, "completed": 0, "terminated": 0},
    }
    assert [(v["currency"], Decimal(v["total"]), v["count"]) for v in body["values"]] == [
        ("CNY", Decimal("2500000.00"), 2),
        ("USD", Decimal("351000.50"), 3),
    ]
    assert body["median_days_to_acceptance"] == 4.0
    assert body["accepted_interests"] == 5


@pytest.mark.parametrize("path", ["/insights/funnel", "/insights/kpis"])
def test_the_api_names_no_organisation(ledger, platform_admin, path):
    response = send(Client(), "get", path, PERIOD, user=platform_admin)
    text = response.content.decode()
    for secret in SECRET_NAMES:
        assert secret not in text
        assert secret.encode("unicode_escape").decode() not in text


@pytest.mark.parametrize("path", ["/insights/funnel", "/insights/kpis"])
@pytest.mark.parametrize("how", ["token", "session"])
@pytest.mark.parametrize(
    "role, status",
    [
        (None, 401),
        ("outsider", 403),
        ("org_member", 403),
        ("org_admin", 403),
        ("staff_pk", 200),
        ("staff_cn", 200),
        ("platform_admin", 200),
    ],
)
def test_who_may_read_the_ledger(request, db, path, how, role, status):
    user = request.getfixturevalue(role) if role else None
    client, headers = client_for(user, how)
    response = client.get(f"/api/v1{path}", PERIOD, **headers)
    assert response.status_code == status


@pytest.mark.parametrize("path", ["/insights/funnel", "/insights/kpis"])
@pytest.mark.parametrize(
    "query, field, words",
    [
        ({"from": "2025-13-01"}, "from", "YYYY-MM-DD"),
        ({"to": "tomorrow"}, "to", "YYYY-MM-DD"),
        ({"from": "2025-06-30", "to": "2025-01-01"}, "from", "starts after it ends"),
        ({"sector": "robots"}, "sector", "No sector"),
        ({"sector": "ai\x00"}, "sector", "sector code"),
        ({"zone": "atlantis"}, "zone", "No zone"),
        ({"zone": "z" * 5000}, "zone", "identifier"),
        ({"authority": "unesco"}, "authority", "No authority"),
        ({"pair": "PK"}, "pair", "PK-CN"),
        ({"pair": "PK-ZZ"}, "pair", "Unknown country code"),
    ],
)
def test_bad_filters_are_422_naming_the_parameter(ledger, staff_pk, path, query, field, words):
    response = send(Client(), "get", path, query, user=staff_pk)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", field]
    assert words in error["msg"]


def test_the_api_reads_the_ledger_in_a_handful_of_queries(
    ledger, staff_pk, django_assert_max_num_queries
):
    client, headers = client_for(staff_pk, "token")
    # The token, the user, the staff check, the filters' sector, 2 + 5 figures.
    with django_assert_max_num_queries(12):
        assert (
            client.get("/api/v1/insights/kpis", {**PERIOD, "sector": "ai"}, **headers).status_code
            == 200
        )
