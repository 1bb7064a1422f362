"""A B2B event in the browser, from registration to a published agenda.

STZA's staff have published an event (set up with the services). A Pakistani member
registers Indus Robotics and herself, a Chinese member registers his company in Chinese
(/zh-hans/), the organiser approves both, the Pakistani member asks for a meeting, the
Chinese member accepts it, the organiser runs and publishes the schedule, and each
member reads the meeting in their agenda on their own clock (Karachi UTC+5, Shanghai
UTC+8); the calendar address shown on the agenda serves an .ics with the meeting.
"""

import datetime
import re
import zoneinfo

import pytest
from django.utils import timezone
from icalendar import Calendar

from corridor.accounts.models import AuthorityStaff, OrganisationMembership
from corridor.events import services
from corridor.events.models import MeetingRequest, Registration, ScheduledMeeting

from ..factories import AuthorityFactory, OrganisationFactory, UserFactory, ZoneFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
PASSWORD = "correct horse battery staple"
KARACHI = zoneinfo.ZoneInfo("Asia/Karachi")
SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cast(live_server, settings):
    # The calendar address the agenda shows points at this server.
    settings.CORRIDOR_SITE_URL = live_server.url
    stza = AuthorityFactory(code="stza", name_en="Special Technology Zones Authority", country="PK")
    zpark = AuthorityFactory(code="zpark", name_en="Zhongguancun Science Park", country="CN")
    lahore = ZoneFactory(slug="lahore-tz", name_en="Lahore Technology Zone", authority=stza)
    zgc = ZoneFactory(slug="z-park", name_en="Z-Park", authority=zpark, country="CN")
    indus = OrganisationFactory(
        slug="indus-robotics", name="Indus Robotics", country="PK", zone=lahore
    )
    ruichi = OrganisationFactory(
        slug="ruichi-robots", name="北京锐驰机器人", country="CN", zone=zgc
    )
    amina = UserFactory(username="amina", first_name="Amina", last_name="Khan", password=PASSWORD)
    OrganisationMembership.objects.create(user=amina, organisation=indus, role="member")
    wei = UserFactory(username="wei", first_name="Wei", last_name="Zhang", password=PASSWORD)
    OrganisationMembership.objects.create(user=wei, organisation=ruichi, role="member")
    staff = UserFactory(username="stza.staff", first_name="Ayesha", password=PASSWORD)
    AuthorityStaff.objects.create(user=staff, authority=stza)

    day = timezone.localdate() + datetime.timedelta(days=20)
    event = services.event_create(
        by=staff, authority=stza, slug="lahore-forum", title_en="Lahore robotics forum",
        title_zh_hans="拉合尔机器人论坛", title_ur="لاہور روبوٹکس فورم", format="hybrid",
        time_zone="Asia/Karachi", starts_on=day, ends_on=day + datetime.timedelta(days=1),
        venue="Arfa Software Technology Park",
        registration_opens_at=timezone.now() - datetime.timedelta(days=1),
        registration_closes_at=timezone.now() + datetime.timedelta(days=10),
        requires_approval=True,
    )  # fmt: skip
    at = lambda d, h: datetime.datetime.combine(d, datetime.time(h), tzinfo=KARACHI)  # noqa: E731
    morning = services.session_add(
        event=event, by=staff, name="Robotics morning", starts_at=at(day, 10),
        ends_at=at(day, 12), slot_minutes=20, tables=5, location="Hall A",
    )  # fmt: skip
    online = services.session_add(
        event=event, by=staff, name="Online day", starts_at=at(day + datetime.timedelta(days=1), 10),
        ends_at=at(day + datetime.timedelta(days=1), 11), slot_minutes=20, tables=3,
        video_link_template="https://meet.example.org/lahore-{slot}-{table}",
    )  # fmt: skip
    services.event_publish(event=event, by=staff)
    return {"event": event, "morning": morning, "online": online, "url": live_server.url}


def sign_in(browser, live_server, username, language="en"):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{live_server.url}/{language}/accounts/login/")
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', PASSWORD)
    with page.expect_navigation():
        page.click('form.form button[type="submit"]')
    return page


def register(page, base, language, *, attend, skip=()):
    """Register the member's organisation and themselves, attending ``attend`` only."""
    page.goto(f"{base}/{language}/events/lahore-forum/register/")
    form = page.locator("form.register-form")
    for session in attend:
        form.locator(f'input[name="sessions"][value="{session.pk}"]').check()
    for session in skip:
        form.locator(f'input[name="sessions"][value="{session.pk}"]').uncheck()
    form.locator('input[name="max_meetings"]').fill("4")
    with page.expect_navigation():
        form.locator('button[type="submit"]').click()
    assert page.url.endswith(f"/{language}/events/lahore-forum/")


def test_from_registration_to_a_published_agenda(live_server, browser, cast):
    base = cast["url"]
    morning, online = cast["morning"], cast["online"]

    # A Pakistani member registers Indus Robotics and herself, for both sessions.
    amina = sign_in(browser, live_server, "amina")
    register(amina, base, "en", attend=[morning, online])
    assert "the organisers will approve it" in amina.locator(".messages").inner_text()

    # A Chinese member registers his company in Chinese, for the morning only.
    wei = sign_in(browser, live_server, "wei", language="zh-hans")
    register(wei, base, "zh-hans", attend=[morning], skip=[online])
    assert wei.evaluate("document.documentElement.lang") == "zh-hans"
    assert Registration.objects.filter(status="pending").count() == 2
    wei_participant = Registration.objects.get(
        organisation__slug="ruichi-robots"
    ).participants.get()
    assert list(wei_participant.sessions.all()) == [morning]

    # The organiser approves both registrations.
    staff = sign_in(browser, live_server, "stza.staff")
    staff.goto(f"{base}/en/events/lahore-forum/")
    with staff.expect_navigation():
        staff.click(".panel--organiser >> text=Registrations")
    for registration in Registration.objects.order_by("pk"):
        row = staff.locator(f'tr[data-registration="{registration.pk}"]')
        with staff.expect_navigation():
            row.locator('form[action$="/approve/"] button').click()
        assert "is approved" in staff.locator(".messages").inner_text()
    assert set(Registration.objects.values_list("status", flat=True)) == {"approved"}

    # The Pakistani member asks the Chinese member for a meeting.
    amina.goto(f"{base}/en/events/lahore-forum/participants/")
    person = amina.locator(f"#participant-{wei_participant.pk}")
    assert "Wei Zhang" in person.inner_text()
    person.locator("details.request-form summary").click()
    person.locator('textarea[name="message"]').fill("Servo motors for our textile robot arm?")
    person.locator('select[name="priority"]').select_option("2")
    with amina.expect_navigation():
        person.locator('button[type="submit"]').click()
    amina.wait_for_url(re.compile(r"/en/events/lahore-forum/requests/$"))
    request = MeetingRequest.objects.get()
    assert (request.status, request.priority) == ("pending", 2)

    # The Chinese member accepts it, in Chinese.
    wei.goto(f"{base}/zh-hans/events/lahore-forum/requests/")
    item = wei.locator(f'li[data-request="{request.pk}"]')
    assert "Servo motors for our textile robot arm?" in item.inner_text()
    with wei.expect_navigation():
        item.locator('form[action$="/accept/"] button').click()
    assert wei.locator(f'li[data-request="{request.pk}"].request--accepted').count() == 1
    request.refresh_from_db()
    assert request.status == "accepted"

    # The organiser runs the scheduler and publishes.
    staff.goto(f"{base}/en/events/lahore-forum/schedule/")
    staff.fill('input[name="time_limit"]', "2")
    staff.check('input[name="publish"][value="yes"]')
    with staff.expect_navigation():
        staff.click("section.schedule-run button[type='submit']")
    run_row = staff.locator("tr.run").first
    assert "run--done" in run_row.get_attribute("class")
    assert "published" in run_row.inner_text()
    meeting = ScheduledMeeting.objects.select_related("slot").get(status="scheduled")
    assert meeting.slot.session_id == morning.pk  # the only session both attend
    starts = meeting.slot.starts_at

    # The Pakistani member reads the meeting at Karachi time.
    with amina.expect_navigation():
        amina.click(".event-tabs >> text=Your agenda")
    row = amina.locator(f'tr[data-meeting="{meeting.pk}"]')
    karachi = row.locator('time[data-zone="Asia/Karachi"]')
    assert karachi.inner_text() == f"{starts.astimezone(KARACHI):%H:%M}–" + (
        f"{meeting.slot.ends_at.astimezone(KARACHI):%H:%M}"
    )
    assert "北京锐驰机器人" in row.inner_text()
    assert "Hall A, table" in row.inner_text()

    # The Chinese member reads it at Shanghai time, three hours later on the clock.
    wei.goto(f"{base}/zh-hans/events/lahore-forum/agenda/")
    shanghai = wei.locator(f'tr[data-meeting="{meeting.pk}"] time[data-zone="Asia/Shanghai"]')
    assert shanghai.inner_text().startswith(f"{starts.astimezone(SHANGHAI):%H:%M}–")
    local_pk = starts.astimezone(KARACHI).replace(tzinfo=None)
    local_cn = starts.astimezone(SHANGHAI).replace(tzinfo=None)
    assert local_cn - local_pk == datetime.timedelta(hours=3)
    assert "Amina Khan" in wei.locator(f'tr[data-meeting="{meeting.pk}"]').inner_text()

    # The calendar address on the agenda serves the meeting as an .ics.
    feed = amina.locator("input#feed-url").input_value()
    assert feed.startswith(base) and feed.endswith(".ics")
    response = amina.request.get(feed)
    assert response.status == 200
    assert response.headers["content-type"].startswith("text/calendar")
    [vevent] = Calendar.from_ical(response.body()).walk("VEVENT")
    assert str(vevent["UID"]) == meeting.uid
    assert vevent.decoded("DTSTART") == starts
    assert str(vevent["STATUS"]) == "CONFIRMED"
    for page in (amina, wei, staff):
        page.context.close()
