"""A double click on "Record the agreement", or both sides recording at once: one agreement.

Real threads on their own connections in committed transactions. On PostgreSQL the
parties' row locks make the second recorder wait and then find the first's agreement;
SQLite serialises writers (the in-memory test database refuses a second writer, which
is retried, as waiting would have done).
"""

import threading
import time

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection, connections

from corridor.core.models import Notification
from corridor.docking.models import Agreement
from corridor.docking.services.agreements import agreement_record, agreement_update

from .agreement_fixtures import *  # noqa: F403

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_indexing(monkeypatch):
    """Committed transactions run their on-commit work; the matcher is not under test."""
    monkeypatch.setattr("corridor.docking.matching.schedule_index", lambda ids: None)


def _race(*calls):
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            for _attempt in range(200):
                try:
                    results[i] = call()
                    break
                except OperationalError as error:
                    if connection.vendor != "sqlite" or "locked" not in str(error):
                        raise
                    time.sleep(0.01)
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


def test_both_sides_recording_at_once_make_one_agreement(
    open_interest, organisation, organisation_cn, org_member, other_member
):
    def record(by):
        return lambda: agreement_record(
            by=by,
            kind="mou",
            title="Memorandum on robotics training",
            signed_on="2025-03-10",
            parties=[organisation, organisation_cn],
            interest=open_interest.pk,
        )

    results = _race(record(org_member), record(other_member))
    made = [r for r in results if isinstance(r, Agreement)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert "title" in refused[0].message_dict
    assert Agreement.objects.count() == 1
    # Only the winner's notice: the other side hears once.
    assert Notification.objects.filter(kind="agreement.recorded").count() == 1


def test_two_status_changes_at_once_keep_the_later_state(recorded, org_member, other_member):
    results = _race(
        lambda: agreement_update(
            agreement=Agreement.objects.get(pk=recorded.pk), by=org_member, status="completed"
        ),
        lambda: agreement_update(
            agreement=Agreement.objects.get(pk=recorded.pk), by=other_member, status="in_force"
        ),
    )
    recorded.refresh_from_db()
    # Whichever came first, the status never went back from completed to in force.
    assert recorded.status == "completed"
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, ValidationError) for e in errors), results
