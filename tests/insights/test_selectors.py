"""The funnel and the KPIs on the known ledger (tests/insights/conftest.py), figure by figure."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from corridor.insights.selectors import (
    LedgerFilters,
    can_read_ledger,
    default_period,
    funnel,
    kpis,
    require_ledger_reader,
)

from .conftest import PERIOD, TODAY

STAGES = ["profiles", "interests", "accepted", "introduced", "met", "agreement"]


def counts(params, today=TODAY):
    result = funnel(LedgerFilters.parse(params, today=today))
    assert [s.code for s in result.stages] == STAGES
    return [s.count for s in result.stages]


def values(k):
    return {v.currency: (v.total, v.count) for v in k.values}


# --- The funnel -------------------------------------------------------------------------


def test_funnel_without_filters_follows_the_cohort_of_the_period(ledger):
    # 4 profiles published in the period; 9 interests sent in it (not the one a second
    # before it starts); 5 accepted (one withdrawn after acceptance); 3 revealed; 2 with a
    # meeting held (a disputed and a not-held meeting do not count); 2 with an agreement.
    assert counts(PERIOD) == [4, 9, 5, 3, 2, 2]


def test_funnel_shares_are_of_the_previous_stage_and_of_the_interests(ledger):
    result = funnel(LedgerFilters.parse(PERIOD, today=TODAY))
    shares = {s.code: (s.from_previous, s.from_interests) for s in result.stages}
    assert shares["profiles"] == (None, None)
    # Stage 1 is not the same cohort: no share of it is claimed.
    assert shares["interests"] == (None, 1.0)
    assert shares["accepted"] == pytest.approx((5 / 9, 5 / 9))
    assert shares["introduced"] == pytest.approx((3 / 5, 3 / 9))
    assert shares["met"] == pytest.approx((2 / 3, 2 / 9))
    assert shares["agreement"] == pytest.approx((1.0, 2 / 9))


def test_funnel_shares_are_none_when_a_stage_is_empty(ledger):
    result = funnel(LedgerFilters.parse({**PERIOD, "pair": "PK-AE"}, today=TODAY))
    shares = {s.code: (s.from_previous, s.from_interests) for s in result.stages}
    assert shares["accepted"] == (0.0, 0.0)
    assert shares["introduced"] == (None, 0.0)  # nothing accepted to divide by


def test_an_agreement_without_a_held_meeting_is_not_in_stage_six(ledger):
    # EI for Haidian: accepted, revealed, its meetings disputed and not held, an MoU signed.
    assert counts({**PERIOD, "zone": "haidian"}) == [0, 3, 3, 2, 1, 1]


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"sector": "ai"}, [3, 6, 3, 2, 1, 1]),  # ai and ai.vision
        ({"sector": "ai.vision"}, [1, 3, 2, 2, 1, 1]),
        ({"sector": "fintech"}, [1, 3, 2, 1, 1, 1]),
        ({"pair": "PK-CN"}, [3, 7, 5, 3, 2, 2]),
        ({"pair": "cn-pk"}, [3, 7, 5, 3, 2, 2]),  # either order, any case
        ({"pair": "PK-AE"}, [3, 2, 0, 0, 0, 0]),
        ({"pair": "CN-CN"}, [1, 0, 0, 0, 0, 0]),
        ({"zone": "z-park"}, [1, 7, 5, 3, 2, 2]),  # with its member park Haidian
        ({"zone": "haidian"}, [0, 3, 3, 2, 1, 1]),
        ({"zone": "islamabad-stz"}, [1, 5, 3, 2, 1, 1]),
        ({"authority": "zpark"}, [1, 7, 5, 3, 2, 2]),
        ({"authority": "stza"}, [2, 9, 5, 3, 2, 2]),
        ({"sector": "fintech", "pair": "PK-CN"}, [1, 3, 2, 1, 1, 1]),
    ],
)
def test_funnel_by_filter(ledger, params, expected):
    assert counts({**PERIOD, **params}) == expected


@pytest.mark.parametrize(
    "period, expected",
    [
        # The last second of the last day is in; the first second after is not.
        ({"from": "2025-06-30", "to": "2025-06-30"}, [0, 1, 0, 0, 0, 0]),
        ({"from": "2025-01-01", "to": "2025-01-01"}, [0, 0, 0, 0, 0, 0]),
        # An interest sent on the last second of 2024, accepted in 2025, is 2024's.
        ({"from": "2024-12-31", "to": "2024-12-31"}, [0, 1, 1, 1, 1, 1]),
        ({"from": "2025-02-01", "to": "2025-02-28"}, [1, 1, 1, 1, 1, 1]),
    ],
)
def test_funnel_period_boundaries(ledger, period, expected):
    assert counts(period) == expected


def test_the_default_period_is_the_twelve_months_up_to_today(ledger):
    assert default_period(TODAY) == (dt.date(2024, 7, 1), TODAY)
    assert default_period(dt.date(2024, 2, 29)) == (dt.date(2023, 3, 1), dt.date(2024, 2, 29))
    # Adds the profile of November 2024 and the interest of 31 December 2024.
    assert counts({}) == [5, 10, 6, 4, 3, 3]


def test_only_a_start_runs_to_today_and_only_an_end_starts_a_year_before(ledger):
    assert LedgerFilters.parse({"from": "2025-01-01"}, today=TODAY).date_to == TODAY
    assert LedgerFilters.parse({"to": "2025-01-31"}, today=TODAY).date_from == dt.date(2024, 2, 1)


# --- KPIs ---------------------------------------------------------------------------------


def test_kpis_without_filters(ledger):
    k = kpis(LedgerFilters.parse(PERIOD, today=TODAY))
    # Accepted meetings starting in the period, whatever the interest's date; not the
    # proposed, the cancelled, or the one in July.
    m = k.meetings
    assert (m.accepted, m.held, m.not_held, m.disputed, m.awaiting) == (6, 3, 1, 1, 1)
    assert m.held_share == pytest.approx(0.5)
    assert k.agreements_total == 7
    assert k.agreements_by_status == {"signed": 4, "in_force": 1, "completed": 1, "terminated": 1}
    by_kind = {r.kind: r.total for r in k.agreements}
    assert by_kind == {
        "letter_of_intent": 1,
        "mou": 2,
        "licence": 1,
        "joint_venture": 1,
        "research_contract": 1,
        "supply_contract": 1,
        "investment": 0,
    }
    mou = next(r for r in k.agreements if r.kind == "mou")
    assert mou.by_status == {"signed": 1, "in_force": 1, "completed": 0, "terminated": 0}
    # Never one sum across currencies.
    assert values(k) == {"CNY": (Decimal("2500000.00"), 2), "USD": (Decimal("351000.50"), 3)}
    assert k.agreements_without_value == 2
    # Waits of 1, 2, 4, 7 and 10 days.
    assert k.median_days_to_acceptance == 4.0
    assert k.accepted_interests == 5


@pytest.mark.parametrize(
    "params, meetings, agreements, currencies, without_value, median",
    [
        (
            {"sector": "ai"},
            (3, 1, 1, 1, 0),
            3,
            {"CNY": (Decimal("500000.00"), 1), "USD": (Decimal("101000.50"), 2)},
            0,
            4.0,
        ),
        (
            {"sector": "fintech"},
            (3, 2, 0, 0, 1),
            3,
            {"CNY": (Decimal("2000000.00"), 1), "USD": (Decimal("250000.00"), 1)},
            1,
            4.0,  # the middle of 1 and 7 days
        ),
        (
            {"pair": "PK-CN"},
            (6, 3, 1, 1, 1),
            5,
            {"CNY": (Decimal("2500000.00"), 2), "USD": (Decimal("350000.00"), 2)},
            1,
            4.0,
        ),
        # Only the agreement whose parties are all Chinese.
        ({"pair": "CN-CN"}, (0, 0, 0, 0, 0), 1, {}, 1, None),
        ({"pair": "PK-AE"}, (0, 0, 0, 0, 0), 0, {}, 0, None),
        (
            {"zone": "haidian"},
            (4, 1, 1, 1, 1),
            4,
            {"CNY": (Decimal("2500000.00"), 2), "USD": (Decimal("1000.50"), 1)},
            1,
            4.0,
        ),
        (
            {"authority": "zpark"},
            (6, 3, 1, 1, 1),
            7,
            {"CNY": (Decimal("2500000.00"), 2), "USD": (Decimal("351000.50"), 3)},
            2,
            4.0,
        ),
        (
            {"authority": "stza"},
            (6, 3, 1, 1, 1),
            5,
            {"CNY": (Decimal("2500000.00"), 2), "USD": (Decimal("350000.00"), 2)},
            1,
            4.0,
        ),
    ],
)
def test_kpis_by_filter(ledger, params, meetings, agreements, currencies, without_value, median):
    k = kpis(LedgerFilters.parse({**PERIOD, **params}, today=TODAY))
    m = k.meetings
    assert (m.accepted, m.held, m.not_held, m.disputed, m.awaiting) == meetings
    assert k.agreements_total == agreements
    assert values(k) == currencies
    assert k.agreements_without_value == without_value
    assert k.median_days_to_acceptance == median


def test_kpis_period_boundaries(ledger):
    last_day = kpis(LedgerFilters.parse({"from": "2025-06-30", "to": "2025-06-30"}))
    assert last_day.agreements_total == 1
    assert values(last_day) == {"CNY": (Decimal("2000000.00"), 1)}
    assert last_day.meetings.accepted == 0
    first_day = kpis(LedgerFilters.parse({"from": "2025-01-01", "to": "2025-01-01"}))
    assert [r.kind for r in first_day.agreements if r.total] == ["letter_of_intent"]
    assert first_day.median_days_to_acceptance is None
    meeting_day = kpis(LedgerFilters.parse({"from": "2025-01-05", "to": "2025-01-05"}))
    assert (meeting_day.meetings.accepted, meeting_day.meetings.held) == (1, 1)


def test_funnel_and_kpis_take_a_handful_of_queries(ledger, django_assert_num_queries):
    filters = LedgerFilters.parse(PERIOD, today=TODAY)
    with django_assert_num_queries(8):  # funnel 2, KPIs 6 (event meetings one of them)
        funnel(filters)
        kpis(filters)


# --- Bad filters -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params, field, words",
    [
        ({"from": "2025-13-01"}, "from", "YYYY-MM-DD"),
        ({"from": "01/02/2025"}, "from", "YYYY-MM-DD"),
        ({"from": "20250101"}, "from", "YYYY-MM-DD"),
        ({"to": "1900-01-01"}, "to", "between"),
        ({"from": "\x00"}, "from", "YYYY-MM-DD"),
        ({"from": "2025-06-30", "to": "2025-01-01"}, "from", "starts after it ends"),
        ({"sector": "robots"}, "sector", "No sector"),
        ({"sector": "Not A Code!"}, "sector", "sector code"),
        ({"sector": "ai\x00"}, "sector", "sector code"),
        ({"sector": "a" * 5000}, "sector", "sector code"),
        ({"zone": "atlantis"}, "zone", "No zone"),
        ({"zone": "z park"}, "zone", "identifier"),
        ({"authority": "unesco"}, "authority", "No authority"),
        ({"authority": "stza\x00"}, "authority", "code"),
        ({"pair": "PKCN"}, "pair", "PK-CN"),
        ({"pair": "PK-CN-AE"}, "pair", "PK-CN"),
        ({"pair": "PK-XX"}, "pair", "Unknown country code “XX”"),
        ({"pair": "\x00"}, "pair", "PK-CN"),
    ],
)
def test_bad_filters_are_refused_with_a_message_per_parameter(ledger, params, field, words):
    with pytest.raises(ValidationError) as caught:
        LedgerFilters.parse(params, today=TODAY)
    errors = caught.value.message_dict
    assert list(errors) == [field]
    assert words in errors[field][0]


def test_every_bad_filter_is_reported_at_once(ledger):
    with pytest.raises(ValidationError) as caught:
        LedgerFilters.parse({"from": "soon", "sector": "nope", "zone": "nope", "pair": "x"})
    assert set(caught.value.message_dict) == {"from", "sector", "zone", "pair"}


def test_filters_give_back_their_query_string(ledger):
    params = {**PERIOD, "sector": "ai", "pair": "cn-pk", "zone": "haidian", "authority": "stza"}
    filters = LedgerFilters.parse(params)
    assert filters.params() == {**params, "pair": "CN-PK"}
    assert LedgerFilters.parse(filters.params()) == filters


# --- Who may read it ---------------------------------------------------------------------


def test_authority_staff_of_either_side_and_platform_admins_read_the_ledger(
    staff_pk, staff_cn, platform_admin, org_admin, org_member, outsider
):
    from django.contrib.auth.models import AnonymousUser

    for user in (staff_pk, staff_cn, platform_admin):
        assert can_read_ledger(user)
        require_ledger_reader(user)
    for user in (org_admin, org_member, outsider, AnonymousUser(), None):
        assert not can_read_ledger(user)
        with pytest.raises(PermissionDenied):
            require_ledger_reader(user)
