"""The events admin opens for platform admins, hides feed secrets, and keeps slots read-only."""

import pytest

from corridor.events.models import ScheduledMeeting

PAGES = ["event", "session", "registration", "participant", "meetingrequest",
         "scheduledmeeting", "schedulerun"]  # fmt: skip


def test_every_events_admin_page_opens(client, platform_admin, meeting_request, session_am):
    ScheduledMeeting.objects.create(
        request=meeting_request, event=meeting_request.event, slot=session_am.slots.first(), table=1
    )
    client.force_login(platform_admin)
    for name in PAGES:
        assert client.get(f"/en/admin/events/{name}/").status_code == 200, name
    assert (
        client.get(f"/en/admin/events/event/{meeting_request.event.pk}/change/").status_code == 200
    )
    page = client.get(f"/en/admin/events/session/{session_am.pk}/change/")
    assert page.status_code == 200
    participant = meeting_request.requester
    page = client.get(f"/en/admin/events/participant/{participant.pk}/change/")
    assert page.status_code == 200
    assert participant.feed_token not in page.content.decode()


@pytest.mark.parametrize("who", ["organiser", "org_member"])
def test_the_admin_is_not_for_organisers_or_members(client, request, who, event):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/en/admin/events/event/").status_code == 302
