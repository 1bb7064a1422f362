"""Two requests at the same moment: one acceptance, one reveal, one notification.

Real threads on real connections, started together by a barrier, in committed
transactions (``transactional_db``). On PostgreSQL the row lock and the unique
constraint settle the race; SQLite's IMMEDIATE transactions serialise the writers.
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections

from corridor.core.models import AuditEntry, Notification
from corridor.docking.models import Interest
from corridor.docking.services.interest import (
    interest_accept,
    interest_decline,
    interest_send,
    reveal_approve,
)

from .interest_cast import MESSAGE

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_indexing(monkeypatch):
    """Committed transactions run their on-commit work; the matcher is not under test."""
    monkeypatch.setattr("corridor.docking.matching.schedule_index", lambda ids: None)


@pytest.fixture
def two_owners(org_admin, org_member):
    return org_admin, org_member


@pytest.fixture
def live_interest(published, organisation_cn, other_member, two_owners):
    return interest_send(
        profile=published, organisation=organisation_cn, by=other_member, message=MESSAGE
    )


def _waiting(call):
    """SQLite's in-memory test database (shared cache) refuses a second writer at once
    instead of waiting as a file database does (busy_timeout). The service's transaction
    rolled back whole, so calling it again is what waiting would have done."""

    def run():
        for _attempt in range(200):
            try:
                return call()
            except OperationalError as error:
                if connection.vendor != "sqlite" or "locked" not in str(error):
                    raise
                time.sleep(0.01)
        raise AssertionError("the other writer never finished")

    return run


def race(*calls):
    """Run the calls at once, each on its own connection; their results or errors."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = _waiting(call)()
        except Exception as error:  # noqa: BLE001 (the test inspects it)
            results[i] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return results


def fresh(interest) -> Interest:
    """The interest as a page loaded before either click would hold it."""
    return Interest.objects.get(pk=interest.pk)


def test_two_simultaneous_acceptances_make_one(live_interest, two_owners, other_member):
    first, second = two_owners
    a, b = fresh(live_interest), fresh(live_interest)
    results = race(
        lambda: interest_accept(interest=a, by=first),
        lambda: interest_accept(interest=b, by=second),
    )
    won = [r for r in results if isinstance(r, Interest)]
    lost = [r for r in results if isinstance(r, ValidationError)]
    assert len(won) == 1 and len(lost) == 1, results
    assert lost[0].messages == ["This expression of interest has already been answered."]
    interest = fresh(live_interest)
    assert interest.status == Interest.Status.ACCEPTED
    assert interest.reveal == Interest.Reveal.REVEALED
    assert interest.answered_by == won[0].answered_by
    verbs = list(
        AuditEntry.objects.filter(object_id=str(interest.pk), object_type="docking.interest")
        .exclude(verb="interest.send")
        .values_list("verb", flat=True)
    )
    assert sorted(verbs) == ["interest.accept", "interest.reveal"]
    assert Notification.objects.filter(user=other_member, kind="interest.accepted").count() == 1
    assert Notification.objects.filter(user=other_member, kind="reveal.done").count() == 1


def test_an_acceptance_and_a_decline_at_once_make_one_answer(live_interest, two_owners):
    first, second = two_owners
    a, b = fresh(live_interest), fresh(live_interest)
    results = race(
        lambda: interest_accept(interest=a, by=first),
        lambda: interest_decline(interest=b, by=second, reason="other"),
    )
    assert sum(isinstance(r, Interest) for r in results) == 1, results
    assert sum(isinstance(r, ValidationError) for r in results) == 1, results
    interest = fresh(live_interest)
    assert interest.status in (Interest.Status.ACCEPTED, Interest.Status.DECLINED)
    answered = AuditEntry.objects.filter(
        object_id=str(interest.pk), verb__in=["interest.accept", "interest.decline"]
    )
    assert answered.count() == 1


def test_a_double_click_on_send_makes_one_interest(
    published, organisation_cn, other_member, two_owners, org_admin
):
    from corridor.accounts.models import OrganisationMembership
    from tests.factories import UserFactory

    colleague = UserFactory(username="cn_colleague")
    OrganisationMembership.objects.create(
        user=colleague, organisation=organisation_cn, role="admin"
    )

    def send(user):
        return lambda: interest_send(
            profile=published, organisation=organisation_cn, by=user, message=MESSAGE
        )

    results = race(send(other_member), send(colleague))
    assert sum(isinstance(r, Interest) for r in results) == 1, results
    (lost,) = [r for r in results if not isinstance(r, Interest)]
    assert isinstance(lost, ValidationError), lost
    assert lost.messages == ["Your organisation has already expressed interest in this profile."]
    assert Interest.objects.count() == 1
    assert Notification.objects.filter(user=org_admin, kind="interest.received").count() == 1


def test_two_authorities_approving_at_once_reveal_once(
    live_interest, two_owners, authority_pk, authority_cn, staff_pk, staff_cn, other_member
):
    for authority in (authority_pk, authority_cn):
        authority.reveal_needs_approval = True
        authority.save(update_fields=["reveal_needs_approval"])
    interest_accept(interest=fresh(live_interest), by=two_owners[0])
    approvals = {a.authority_id: a for a in fresh(live_interest).reveal_approvals.all()}
    results = race(
        lambda: reveal_approve(approval=approvals[authority_pk.pk], by=staff_pk),
        lambda: reveal_approve(approval=approvals[authority_cn.pk], by=staff_cn),
    )
    assert not any(isinstance(r, Exception) for r in results), results
    interest = fresh(live_interest)
    assert interest.reveal == Interest.Reveal.REVEALED
    assert (
        AuditEntry.objects.filter(verb="interest.reveal", object_id=str(interest.pk)).count() == 1
    )
    assert Notification.objects.filter(user=other_member, kind="reveal.done").count() == 1
