"""Fixing a profile in the admin keeps the matcher current and the audit log complete."""

from corridor.core.models import AuditEntry
from corridor.docking.matching import ranked_profile_ids
from corridor.docking.models import CooperationProfile


def test_admin_queue_action_reindexes_and_admin_edits_are_audited(
    client, draft, org_member, publish, platform_admin, django_capture_on_commit_callbacks
):
    profile = publish(draft, by=org_member)
    client.force_login(platform_admin)
    url = "/en/admin/docking/cooperationprofile/"
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"action": "queue_for_matching", "_selected_action": [profile.pk]}, follow=True
        )
    assert response.status_code == 200
    profile.refresh_from_db()
    assert not profile.needs_indexing
    assert profile.pk in ranked_profile_ids(text="robotic arm textile")

    page = client.get(f"{url}{profile.pk}/change/")
    assert page.status_code == 200
    form = page.context["adminform"].form
    data = {
        k: v
        for k, v in form.initial.items()
        if v is not None and k not in ("sectors", "created_by", "organisation")
    }
    data.update(
        {
            "organisation": profile.organisation_id,
            "created_by": profile.created_by_id,
            "sectors": [s.pk for s in profile.sectors.all()],
            "title": "Sewing-line robot for garment factories",
            "keywords": '["robotics"]',
            "modes": '["licence"]',
            "target_countries": '["CN"]',
            "published_at_0": profile.published_at.date().isoformat(),
            "published_at_1": profile.published_at.time().strftime("%H:%M:%S"),
            "expires_at_0": profile.expires_at.date().isoformat(),
            "expires_at_1": profile.expires_at.time().strftime("%H:%M:%S"),
            "translations-TOTAL_FORMS": "0",
            "translations-INITIAL_FORMS": "0",
        }
    )
    data.pop("deadline", None)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{url}{profile.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    profile.refresh_from_db()
    assert profile.title.startswith("Sewing-line") and not profile.needs_indexing
    assert AuditEntry.objects.filter(verb="cooperationprofile.admin_change").exists()
    assert ranked_profile_ids(text="garment sewing robot", k=1) == [profile.pk]
    assert CooperationProfile.objects.get(pk=profile.pk).status == "published"
