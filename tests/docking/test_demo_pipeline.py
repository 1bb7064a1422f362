"""``corridor demo``: the docking pipeline the demo loads, so the ledger and inboxes are not empty."""

import pytest
from django.contrib.auth import get_user_model

from corridor.core.models import Notification
from corridor.docking import parties
from corridor.docking.demo import pipeline
from corridor.docking.models import Agreement, Interest, Meeting, Message, RevealApproval
from corridor.docking.selectors.interest import counterpart, interests_received
from corridor.insights.selectors import LedgerFilters, default_period, funnel, kpis

from ..conftest import run_demo

pytestmark = pytest.mark.django_db


def user(username):
    return get_user_model().objects.get(username=username)


@pytest.fixture(scope="module")
def data():
    return pipeline.read_pipeline()


def test_every_interest_of_the_data_is_loaded_with_its_outcome(demo, data):
    assert Interest.objects.count() == len(data["interests"])
    statuses = set(Interest.objects.values_list("status", flat=True))
    assert statuses == {"sent", "accepted", "declined", "withdrawn", "expired"}
    assert Message.objects.count() == sum(len(i.get("messages", [])) for i in data["interests"])
    assert Agreement.objects.count() == sum(1 for i in data["interests"] if i.get("agreement"))


def test_the_dashboard_has_a_full_funnel(demo):
    start, end = default_period()
    stages = {s.code: s.count for s in funnel(LedgerFilters(date_from=start, date_to=end)).stages}
    # Each stage holds some and loses some: the funnel narrows at every step.
    order = ["interests", "accepted", "introduced", "met", "agreement"]
    counts = [stages[code] for code in order]
    assert all(c > 0 for c in counts)
    assert counts == sorted(counts, reverse=True) and counts[0] > counts[-1]
    figures = kpis(LedgerFilters(date_from=start, date_to=end))
    assert figures.meetings.held < figures.meetings.accepted  # one meeting was not held
    assert {t.currency for t in figures.values} >= {"CNY", "PKR", "USD"}
    # Interests are dated by when they were sent, so answering takes days, not less than none.
    assert figures.median_days_to_acceptance is not None
    assert 0 < figures.median_days_to_acceptance < 10


def test_demo_logins_have_work_waiting(demo):
    member_pk, staff_stza = user("member.pk"), user("staff.stza")
    waiting = interests_received(member_pk).filter(status="sent")
    assert waiting.exists()  # an interest for Indus Robotics to answer
    proposed = Meeting.objects.filter(
        status="proposed", interest__profile__organisation__slug="ruichi-industrial-robots"
    )
    assert proposed.exists()  # a site visit Indus Robotics is asked to accept
    pending = RevealApproval.objects.filter(decision="pending", authority__code="stza")
    assert pending.count() == 1
    assert parties.is_broker(staff_stza, pending.get().interest)


def test_identities_follow_the_reveal_in_the_demo(demo):
    for interest in Interest.objects.select_related("profile__organisation", "organisation"):
        sender = parties.people_of([interest.organisation_id]).first()
        seen = counterpart(interest, sender)
        if interest.is_revealed or not interest.profile.is_anonymous:
            assert seen.organisation is not None
        else:
            assert seen is None or seen.organisation is None, interest.reference


def test_the_demos_history_sends_no_email(demo):
    assert Notification.objects.exists()
    assert not Notification.objects.filter(email=Notification.Email.PENDING).exists()


def test_a_second_run_writes_nothing(demo):
    before = (Interest.objects.count(), Message.objects.count(), Meeting.objects.count())
    output = run_demo()
    assert "0 new" in output
    assert (Interest.objects.count(), Message.objects.count(), Meeting.objects.count()) == before
