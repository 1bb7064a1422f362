"""The registry's background work, run both ways: inline (default) and on a real Celery worker.

Renaming a sector changes the search documents of every organisation in it, so the
new Chinese and Urdu names become searchable only once ``reindex_organisations`` ran.
"""

import os
import uuid

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from celery.result import AsyncResult
from celery.signals import after_task_publish

from corridor import celery_app
from corridor.registry.models import Organisation
from corridor.registry.search import filter_by_text
from corridor.registry.services import sector_update, zone_update
from corridor.registry.tasks import reindex_organisations

from ..factories import OrganisationFactory, SectorFactory, ZoneFactory

REDIS_URL = os.environ.get("CORRIDOR_TEST_REDIS_URL", "redis://127.0.0.1:6379/13")
NEW_NAMES = {"name_zh_hans": "量子传感器", "name_ur": "کوانٹم سینسر"}


def found(query: str) -> set[str]:
    return set(filter_by_text(Organisation.objects.all(), query).values_list("slug", flat=True))


@pytest.fixture
def sensing(db):
    """A sector with one organisation in it, one organisation outside it."""
    sector = SectorFactory(code="sensing", name_en="Sensing")
    OrganisationFactory(slug="inside", name="Karakoram Instruments", sectors=[sector])
    OrganisationFactory(slug="outside", name="Margalla Textiles")
    return sector


# --- Inline (no broker: the default) ---------------------------------------------


def test_tasks_run_inline_without_a_broker(settings):
    assert not settings.CELERY_BROKER_URL
    assert celery_app.conf.task_always_eager


def test_renaming_a_sector_makes_its_new_names_findable(
    sensing, platform_admin, django_capture_on_commit_callbacks
):
    assert found("量子传感器") == set()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        sector_update(sector=sensing, by=platform_admin, **NEW_NAMES)
        # The reindex waits for the commit: until then the old documents stand.
        assert found("量子传感器") == set()
    assert len(callbacks) == 1
    assert found("量子传感器") == {"inside"}
    assert found("کوانٹم") == {"inside"}
    assert found("sensing") == {"inside"}


def test_renaming_a_zone_reindexes_organisations_of_its_member_parks(
    zone_cn, platform_admin, django_capture_on_commit_callbacks
):
    park = ZoneFactory(slug="haidian", name_en="Haidian Park", parent=zone_cn, country="CN")
    OrganisationFactory(slug="in-park", name="Haidian Robotics", zone=park, country="CN")
    OrganisationFactory(slug="elsewhere", name="Lahore Robotics")
    with django_capture_on_commit_callbacks(execute=True):
        zone_update(zone=zone_cn, by=platform_admin, name_ur="ژونگ گوان کون")
    assert found("ژونگ") == {"in-park"}


def test_reindex_reports_changed_documents_and_is_idempotent(sensing):
    sensing.name_zh_hans = "量子传感器"
    sensing.save(update_fields=["name_zh_hans"])  # renamed behind the service's back
    assert reindex_organisations.delay(sector_id=sensing.pk).get() == 1
    assert reindex_organisations.delay(sector_id=sensing.pk).get() == 0
    assert reindex_organisations.delay().get() == 0
    assert found("量子") == {"inside"}


# --- On a real Celery worker with the Redis broker ---------------------------------


def redis_unreachable_reason() -> str | None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis broker at {REDIS_URL} not reachable ({error})"
    return None


@pytest.fixture
def celery_worker_app():
    """A Celery app configured as the project's, sending to Redis, with a worker thread consuming.

    A separate app rather than the project's own: the inline tests have already
    cached a producer pool and result backend on that one, made for the inline
    configuration. It is built the way ``corridor/celery.py`` builds the project's
    (Django settings, CELERY namespace, discovered tasks) and made current, so the
    services' ``.delay()`` calls go through it. A key prefix unique to this run
    keeps parallel test runs sharing one Redis from taking each other's tasks.
    """
    reason = redis_unreachable_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: the Celery worker test must run in CI")
        pytest.skip(reason)
    prefix = f"corridor-test-{uuid.uuid4().hex}:"
    app = Celery(celery_app.main, set_as_current=False)
    app.config_from_object("django.conf:settings", namespace="CELERY")
    app.conf.update(
        broker_url=REDIS_URL,
        result_backend=REDIS_URL,
        task_always_eager=False,
        broker_transport_options={"global_keyprefix": prefix},
        result_backend_transport_options={"global_keyprefix": prefix},
        worker_hijack_root_logger=False,
    )
    app.autodiscover_tasks(force=True)
    try:
        # The ping check needs celery.contrib.testing's task registered in the app;
        # the test waits on its own task's result instead.
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield app
    finally:
        celery_app.set_current()
        celery_app.set_default()
        app.close()
        keys = redis.Redis.from_url(REDIS_URL)
        for key in keys.scan_iter(match=f"{prefix}*"):
            keys.delete(key)


@pytest.mark.celery
@pytest.mark.django_db(transaction=True)
def test_renaming_a_sector_reindexes_on_a_celery_worker(sensing, platform_admin, celery_worker_app):
    published = []

    def on_publish(sender=None, headers=None, **kwargs):
        published.append((sender, headers["id"]))

    after_task_publish.connect(on_publish, weak=False)
    try:
        sector_update(sector=sensing, by=platform_admin, **NEW_NAMES)
    finally:
        after_task_publish.disconnect(on_publish)

    # Sent to the broker, not run inline: publishing does not happen in eager mode.
    assert [name for name, _ in published] == ["corridor.registry.tasks.reindex_organisations"]
    result = AsyncResult(published[0][1], app=celery_worker_app)
    assert result.get(timeout=60) == 1
    assert found("量子传感器") == {"inside"}
    assert found("کوانٹم") == {"inside"}
