"""E-mail digests of new matches: once, in each person's language, never naming the partner."""

import io
import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test.signals import template_rendered
from django.urls import reverse
from django.utils import translation

from corridor.accounts.models import OrganisationMembership
from corridor.accounts.services import user_preferences_update
from corridor.core.models import AuditEntry
from corridor.docking import digests
from corridor.docking.digests import digests_send
from corridor.docking.models import MatchNotice, MatchNoticeDelivery
from corridor.docking.services import profile_withdraw
from corridor.docking.tasks import send_digests
from corridor.matching.embed import EmbedderError

from ..factories import UserFactory


@pytest.fixture(autouse=True)
def in_english():
    """Messages are checked in English, whatever an earlier test's request left active."""
    with translation.override("en"):
        yield


@pytest.fixture
def matched(draft, cn_request, cn_unrelated, org_member, other_member, publish):
    """A Pakistani offer (org_member writes Urdu) and two Chinese profiles (other_member: Chinese)."""
    org_member.language = "ur"
    org_member.save()
    other_member.language = "zh-hans"
    other_member.save()
    publish(draft, by=org_member)
    publish(cn_request, by=other_member)
    publish(cn_unrelated, by=other_member)
    return draft, cn_request, cn_unrelated


def sent_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def everything(message) -> str:
    """Subject, headers, plain text and HTML of an e-mail, as one string."""
    parts = [message.subject, message.body, str(message.extra_headers)]
    parts += [content for content, _ in message.alternatives]
    return "\n".join(parts)


def html_of(message) -> str:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return html


def test_each_member_gets_the_new_matches_once(matched, org_member, other_member):
    offer, request, unrelated = matched
    report = digests_send()
    assert report.organisations == 2 and report.failed == 0
    assert report.sent == 2
    [pk_mail] = sent_to(org_member)
    [cn_mail] = sent_to(other_member)
    assert request.reference in pk_mail.body
    assert offer.reference in cn_mail.body
    assert MatchNotice.objects.filter(profile=offer, candidate=request).exists()
    assert MatchNotice.objects.filter(sent_at__isnull=True).count() == 0

    mail.outbox.clear()
    again = digests_send()
    assert again.sent == 0 and again.new_matches == 0
    assert mail.outbox == []
    assert MatchNoticeDelivery.objects.filter(user=org_member).count() == 1


def test_a_digest_shows_reference_title_kind_score_and_shared_sectors(matched, org_member):
    offer, request, _ = matched
    digests_send()
    [message] = sent_to(org_member)
    notice = MatchNotice.objects.get(profile=offer, candidate=request)
    assert notice.shared_sectors == [["robotics", "robotics"]]
    html = html_of(message)
    for text in (message.body, html):
        assert request.reference in text and request.title in text
        assert f"{notice.score:.2f}" in text
        assert "Robotics" in text or "شعبہ" in text  # the sector, in the reader's language
    with translation.override("ur"):
        kind = str(request.Kind(request.kind).label)
    assert kind in message.body
    assert f'lang="{request.language}"' in html  # the partner's own words keep their language


def test_only_matches_at_or_above_the_minimum_score_are_sent(matched, settings, other_member):
    settings.CORRIDOR_DIGEST_MIN_SCORE = 0.7
    digests_send()
    [message] = sent_to(other_member)
    # The offer matches the Chinese request strongly, the unrelated investment offer weakly.
    assert MatchNotice.objects.filter(profile=matched[1], candidate=matched[0]).exists()
    assert not MatchNotice.objects.filter(profile=matched[2]).exists()
    assert message.body.count(matched[0].reference) == 1

    settings.CORRIDOR_DIGEST_MIN_SCORE = 1.0
    MatchNotice.objects.all().delete()
    mail.outbox.clear()
    assert digests_send().sent == 0 and mail.outbox == []


def test_each_recipient_reads_the_digest_in_their_own_language(
    matched, org_member, other_member, monkeypatch
):
    """Catalogues are filled in later: check the language each part was made in, not its words."""
    rendered = []

    def seen(sender, template, context, **kwargs):
        rendered.append((template.name, context["user"].username, translation.get_language()))

    template_rendered.connect(seen)
    real_ngettext = digests.ngettext
    monkeypatch.setattr(
        digests,
        "ngettext",
        lambda *args: f"[{translation.get_language()}] " + real_ngettext(*args),
    )
    try:
        digests_send()
    finally:
        template_rendered.disconnect(seen)

    [urdu] = sent_to(org_member)
    [chinese] = sent_to(other_member)
    assert urdu.subject.startswith("[ur] ")
    assert chinese.subject.startswith("[zh-hans] ")
    assert ("docking/email/match_digest.txt", org_member.username, "ur") in rendered
    assert ("docking/email/match_digest.html", org_member.username, "ur") in rendered
    assert ("docking/email/match_digest.txt", other_member.username, "zh-hans") in rendered
    assert ("docking/email/match_digest.html", other_member.username, "zh-hans") in rendered
    assert urdu.extra_headers["Content-Language"] == "ur"
    assert chinese.extra_headers["Content-Language"] == "zh-hans"
    assert '<html lang="ur" dir="rtl">' in html_of(urdu)
    assert '<html lang="zh-hans" dir="ltr">' in html_of(chinese)
    # Every link is absolute and opens the page in the reader's language.
    for message, prefix in ((urdu, "/ur/"), (chinese, "/zh-hans/")):
        links = re.findall(r'href="([^"]+)"', html_of(message))
        assert links
        for link in links:
            assert link.startswith("http://127.0.0.1:8000" + prefix), link
        for link in re.findall(r"https?://\S+", message.body):
            assert link.startswith("http://127.0.0.1:8000" + prefix), link
    assert translation.get_language() == "en"  # the sender's language is left as it was


def test_the_links_open_the_profile_pages_for_the_recipient(matched, client, org_member):
    digests_send()
    [message] = sent_to(org_member)
    client.force_login(org_member)
    links = set(re.findall(r"http://127\.0\.0\.1:8000(/ur/profiles/\d+/)", message.body))
    assert len(links) == 2  # its own profile and the partner's
    for path in links:
        assert client.get(path).status_code == 200, path


def test_links_use_the_site_url_setting(matched, settings, org_member):
    settings.CORRIDOR_SITE_URL = "https://corridor.example.org"
    digests_send()
    [message] = sent_to(org_member)
    with translation.override("ur"):
        partner = reverse(digests.PROFILE_URL, kwargs={"pk": matched[1].pk})
        own = reverse(digests.PROFILE_URL, kwargs={"pk": matched[0].pk})
    for text in (message.body, html_of(message)):
        assert "https://corridor.example.org" + partner in text
        assert "https://corridor.example.org" + own in text
    assert "http://127.0.0.1:8000" not in everything(message)


@pytest.mark.parametrize("anonymous", [True, False])
def test_no_digest_names_the_other_organisation(
    matched, anonymous, organisation, organisation_cn, org_member, other_member
):
    """Not even a profile published under its name: identities wait for both sides' consent."""
    organisation.website = "https://indus.example.pk"
    organisation.city = "Islamabad Sector I-9"
    organisation.save()
    organisation_cn.website = "https://zpark-ai.example.cn"
    organisation_cn.city = "Haidian Beijing"
    organisation_cn.save()
    for profile in matched:
        type(profile).objects.filter(pk=profile.pk).update(is_anonymous=anonymous)
    digests_send()
    assert len(mail.outbox) == 2
    secrets = {
        org_member.email: [
            organisation_cn.name,
            organisation_cn.slug,
            organisation_cn.website,
            organisation_cn.city,
            other_member.username,
            other_member.email,
        ],
        other_member.email: [
            organisation.name,
            organisation.slug,
            organisation.website,
            organisation.city,
            org_member.username,
            org_member.email,
        ],
    }
    for message in mail.outbox:
        text = everything(message)
        for secret in secrets[message.to[0]]:
            assert secret not in text, (message.to, secret)


def test_members_who_do_not_want_digests_get_none_until_they_ask(
    matched, org_member, org_admin, outsider
):
    org_admin.email = "admin@indus.example"
    org_admin.match_digest = False
    org_admin.save()
    digests_send()
    assert sent_to(org_member) and not sent_to(org_admin)
    assert not sent_to(outsider)

    user_preferences_update(user=org_admin, by=org_admin, match_digest=True)
    mail.outbox.clear()
    report = digests_send()
    assert report.sent == 1
    [message] = sent_to(org_admin)
    assert matched[1].reference in message.body
    assert not sent_to(org_member)  # already told


def test_inactive_people_and_people_without_an_address_get_nothing(matched, org_member, org_admin):
    org_member.is_active = False
    org_member.save()
    org_admin.email = ""
    org_admin.save()
    digests_send()
    assert not sent_to(org_member)
    assert all(message.to != [""] for message in mail.outbox)
    assert len(mail.outbox) == 1  # only the Chinese member


def test_a_failing_recipient_is_retried_and_does_not_stop_the_others(
    matched, organisation, org_member, other_member, monkeypatch, caplog
):
    colleague = UserFactory(username="colleague", language="zh-hans")
    OrganisationMembership.objects.create(user=colleague, organisation=organisation)
    real_send = digests.EmailMultiAlternatives.send

    def send(message, *args, **kwargs):
        if message.to == [org_member.email]:
            raise ConnectionRefusedError("SMTP server refused the connection")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(digests.EmailMultiAlternatives, "send", send)
    report = digests_send()
    assert report.failed_recipients == {org_member.username: "SMTP server refused the connection"}
    assert report.sent == 2
    assert sent_to(colleague) and sent_to(other_member) and not sent_to(org_member)
    assert not MatchNoticeDelivery.objects.filter(user=org_member).exists()
    assert "match digest" in caplog.text

    monkeypatch.setattr(digests.EmailMultiAlternatives, "send", real_send)
    mail.outbox.clear()
    again = digests_send()
    assert again.sent == 1 and again.failed == 0
    [retried] = mail.outbox
    assert retried.to == [org_member.email]


def test_matches_that_ended_before_sending_are_not_sent(matched, other_member, org_member):
    offer, request, _ = matched
    org_member.match_digest = False
    org_member.save()
    digests_send()  # the match is recorded; nobody in Pakistan wants it yet
    assert MatchNotice.objects.filter(profile=offer, candidate=request, sent_at=None).exists()
    profile_withdraw(profile=request, by=other_member)
    user_preferences_update(user=org_member, by=org_member, match_digest=True)
    mail.outbox.clear()
    digests_send()
    assert all(request.reference not in everything(m) for m in sent_to(org_member))
    assert not MatchNoticeDelivery.objects.filter(
        notice__candidate=request, user=org_member
    ).exists()


def test_new_matches_later_come_in_a_new_digest(
    matched, organisation_cn, other_member, org_member, publish, profile_fields
):
    from corridor.docking.services import profile_create

    digests_send()
    mail.outbox.clear()
    second = profile_create(
        organisation=organisation_cn,
        by=other_member,
        kind="technology_request",
        title="寻求用于纺织厂的机器人手臂技术许可",
        summary="需要自动搬运布卷的六轴机械臂，可许可生产。",
        keywords=["robotics"],
        trl_min=5,
        trl_max=9,
        modes=["licence"],
        sectors=profile_fields["sectors"],
    )
    publish(second, by=other_member)
    report = digests_send()
    assert report.new_matches >= 1
    [message] = sent_to(org_member)
    assert second.reference in message.body
    assert matched[1].reference not in message.body  # told last time


def test_send_digests_command_and_task(matched, org_member):
    out = io.StringIO()
    call_command("send-digests", stdout=out, stderr=io.StringIO())
    assert "2 e-mails sent" in out.getvalue()
    assert send_digests.delay().get()["sent"] == 0


def test_send_digests_command_fails_visibly_when_a_recipient_fails(
    matched, org_member, monkeypatch
):
    def broken(message, *args, **kwargs):
        raise OSError("mail server down")

    monkeypatch.setattr(digests.EmailMultiAlternatives, "send", broken)
    err = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("send-digests", stdout=io.StringIO(), stderr=err)
    assert failure.value.returncode == 1
    assert f"E-mail to {org_member.username} failed: mail server down" in err.getvalue()
    assert not MatchNoticeDelivery.objects.exists()


# --- The preference on the account page -------------------------------------------------


def test_the_account_page_shows_and_saves_the_digest_preference(client, org_member):
    client.force_login(org_member)
    page = client.get(reverse("accounts:account"))
    assert page.status_code == 200
    assert 'name="match_digest"' in page.content.decode() and "checked" in page.content.decode()

    response = client.post(reverse("accounts:account"), {})  # an unticked box is not sent
    assert response.status_code == 302
    org_member.refresh_from_db()
    assert org_member.match_digest is False
    assert AuditEntry.objects.filter(verb="user.preferences", actor=org_member).count() == 1

    client.post(reverse("accounts:account"), {"match_digest": "on"})
    org_member.refresh_from_db()
    assert org_member.match_digest is True


def test_saving_the_same_preference_records_nothing(client, org_member):
    client.force_login(org_member)
    client.post(reverse("accounts:account"), {"match_digest": "on", "notify_by_email": "on"})
    assert not AuditEntry.objects.filter(verb="user.preferences").exists()


def test_signed_out_visitors_cannot_change_preferences(client, org_member):
    response = client.post(reverse("accounts:account"), {})
    assert response.status_code == 302 and "login" in response["Location"]
    org_member.refresh_from_db()
    assert org_member.match_digest is True


def test_only_the_person_or_a_platform_admin_changes_preferences(
    org_member, outsider, platform_admin
):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        user_preferences_update(user=org_member, by=outsider, match_digest=False)
    org_member.refresh_from_db()
    assert org_member.match_digest is True
    user_preferences_update(user=org_member, by=platform_admin, match_digest=False)
    org_member.refresh_from_db()
    assert org_member.match_digest is False


def test_a_profile_whose_matches_fail_is_reported_and_the_rest_are_sent(
    matched, org_member, other_member, monkeypatch
):
    offer = matched[0]
    real = digests.profile_matches_unchecked

    def flaky(*, profile, k):
        if profile.pk == offer.pk:
            raise EmbedderError("model not loaded")
        return real(profile=profile, k=k)

    monkeypatch.setattr(digests, "profile_matches_unchecked", flaky)
    report = digests_send()
    assert report.failed_profiles == {offer.pk: "model not loaded"}
    assert sent_to(other_member) and not sent_to(org_member)

    monkeypatch.setattr(digests, "profile_matches_unchecked", real)
    mail.outbox.clear()
    assert digests_send().failed == 0
    assert sent_to(org_member) and not sent_to(other_member)


def test_an_organisation_whose_matches_cannot_be_recorded_does_not_stop_the_run(
    matched, organisation, org_member, other_member, monkeypatch
):
    real = digests._record_matches

    def broken(organisation_, *args):
        if organisation_.pk == organisation.pk:
            raise RuntimeError("disk full")
        return real(organisation_, *args)

    monkeypatch.setattr(digests, "_record_matches", broken)
    report = digests_send()
    assert report.failed_organisations == {organisation.slug: "disk full"}
    assert sent_to(other_member) and not sent_to(org_member)
