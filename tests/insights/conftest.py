"""A known ledger: profiles, interests in every state, meetings with every outcome,
agreements with and without an interest, in two currencies.

Every figure the tests assert is worked out by hand in ``LEDGER.md``-style comments on
the rows below; the period under test is 2025-01-01 to 2025-06-30 unless a test says
otherwise. Organisation names are distinctive so the tests can check none leaks.
"""

import datetime as dt
from decimal import Decimal

import pytest

from corridor.docking.models import (
    Agreement,
    CooperationProfile,
    Interest,
    Meeting,
    MeetingOutcome,
)

from ..factories import OrganisationFactory, SectorFactory, ZoneFactory

UTC = dt.UTC
TODAY = dt.date(2025, 6, 30)
PERIOD = {"from": "2025-01-01", "to": "2025-06-30"}
SECRET_NAMES = (
    "Indus Robotics",
    "Karachi Ledgerworks",
    "Zhongguancun Vision Labs",
    "海淀芯片",
    "Dubai Falcon Ventures",
)


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


class Ledger:
    """Handles on the rows, for tests that need one."""


@pytest.fixture
def ledger(organisation, zone_pk, zone_cn, authority_pk, authority_cn):
    ai = SectorFactory(
        code="ai",
        name_en="Artificial intelligence",
        name_zh_hans="人工智能",
        name_ur="مصنوعی ذہانت",
    )
    vision = SectorFactory(code="ai.vision", name_en="Computer vision", parent=ai)
    fintech = SectorFactory(
        code="fintech", name_en="Fintech", name_zh_hans="金融科技", name_ur="فن ٹیک"
    )
    haidian = ZoneFactory(
        slug="haidian", kind="member_park", name_en="Haidian Park", parent=zone_cn, country="CN"
    )

    pk1 = organisation  # Indus Robotics, Islamabad STZ
    pk2 = OrganisationFactory(slug="karachi-ledgerworks", name="Karachi Ledgerworks", country="PK")
    cn1 = OrganisationFactory(
        slug="zgc-vision", name="Zhongguancun Vision Labs", country="CN", zone=zone_cn
    )
    cn2 = OrganisationFactory(slug="haidian-chips", name="海淀芯片", country="CN", zone=haidian)
    ae1 = OrganisationFactory(slug="dubai-falcon", name="Dubai Falcon Ventures", country="AE")

    def profile(org, sectors, published, title):
        p = CooperationProfile.objects.create(
            organisation=org,
            kind="technology_offer",
            title=title,
            language="en",
            status="published" if published else "draft",
            published_at=at(published) if published else None,
        )
        p.sectors.set(sectors)
        return p

    p1 = profile(pk1, [vision], "2025-02-01T09:00", "Vision arm")
    p2 = profile(cn1, [ai], "2025-03-01T09:00", "AI request")
    p3 = profile(pk2, [fintech], "2025-01-15T09:00", "Payments")
    p4 = profile(cn2, [fintech], "2024-11-01T09:00", "Chips for payments")  # before the period
    p5 = profile(ae1, [ai], "2025-04-01T09:00", "Falcon AI")
    profile(pk1, [ai], None, "A draft")  # never published: counted nowhere

    def interest(sender, prof, created, status="sent", answered=None, revealed=None, reveal=None):
        i = Interest.objects.create(
            profile=prof,
            organisation=sender,
            message="Hello",
            language="en",
            status=status,
            expires_at=at(created) + dt.timedelta(days=21),
            answered_at=at(answered) if answered else None,
            reveal=reveal or ("revealed" if revealed else "not_yet"),
            revealed_at=at(revealed) if revealed else None,
        )
        Interest.objects.filter(pk=i.pk).update(created_at=at(created))
        return i

    # Stage notes: 2 = in the cohort; 3 accepted; 4 introduced; 5 met; 6 agreement.
    i1 = interest(
        cn1, p1, "2025-02-10T08:00", "accepted", "2025-02-12T08:00", "2025-02-12T08:00"
    )  # 2-6, 2 days
    i2 = interest(
        cn2, p1, "2025-03-01T08:00", "accepted", "2025-03-05T08:00", "2025-03-05T08:00"
    )  # 2-4, 4 days
    i3 = interest(
        pk1, p2, "2025-03-10T08:00", "accepted", "2025-03-20T08:00", reveal="awaiting_approval"
    )  # 2-3, 10 days
    interest(pk2, p2, "2025-04-01T08:00", "declined", "2025-04-03T08:00")  # 2
    interest(ae1, p1, "2025-04-15T08:00")  # 2, still open
    interest(cn1, p3, "2025-05-01T08:00", "expired")  # 2
    interest(
        cn2, p3, "2025-05-05T08:00", "withdrawn", "2025-05-06T08:00"
    )  # 2-3, 1 day, withdrawn after acceptance
    i8 = interest(
        pk2, p4, "2025-01-20T08:00", "accepted", "2025-01-27T08:00", "2025-01-28T08:00"
    )  # 2-6, 7 days
    i9 = interest(
        cn1, p3, "2024-12-31T23:59:59", "accepted", "2025-01-02T00:00", "2025-01-02T00:00"
    )  # before the period
    interest(pk1, p5, "2025-06-30T23:59:59")  # 2: the period's last second

    def meeting(i, starts, status="accepted", outcomes=()):
        m = Meeting.objects.create(
            interest=i,
            proposed_by_organisation=i.organisation,
            starts_at=at(starts),
            ends_at=at(starts) + dt.timedelta(hours=1),
            timezone="Asia/Karachi",
            format="online",
            link="https://meet.example.org/x",
            status=status,
        )
        owner = i.profile.organisation
        for org, held in zip((owner, i.organisation), outcomes, strict=False):
            if held is not None:
                MeetingOutcome.objects.create(
                    meeting=m, organisation=org, held=held, marked_at=m.ends_at
                )
        return m

    meeting(i1, "2025-03-01T06:00", outcomes=(True, True))  # held
    meeting(i1, "2025-03-15T06:00", status="cancelled")  # not counted
    meeting(i1, "2025-07-01T06:00", outcomes=(True,))  # after the period
    meeting(i2, "2025-04-01T06:00", outcomes=(True, False))  # disputed
    meeting(i2, "2025-05-01T06:00", outcomes=(None, False))  # not held
    meeting(i8, "2025-02-15T06:00", outcomes=(None, True))  # held (one side)
    meeting(i8, "2025-03-01T06:00", status="proposed")  # not accepted
    meeting(i8, "2025-06-01T06:00")  # accepted, no outcome yet
    meeting(i9, "2025-01-05T06:00", outcomes=(True,))  # held; its interest is outside the cohort

    def agreement(
        kind, status, signed, value=None, currency="", interest=None, parties=(), sectors=()
    ):
        a = Agreement.objects.create(
            kind=kind,
            title=f"{kind} {signed}",
            status=status,
            signed_on=dt.date.fromisoformat(signed),
            value=Decimal(value) if value else None,
            currency=currency,
            interest=interest,
        )
        if interest is not None:
            parties = (interest.profile.organisation, interest.organisation)
        a.parties.set(parties)
        a.sectors.set(sectors)
        return a

    agreement("licence", "signed", "2025-04-01", "100000", "USD", i1)
    agreement("mou", "in_force", "2025-05-10", "500000", "CNY", i2)  # no held meeting: not stage 6
    agreement("joint_venture", "completed", "2025-06-30", "2000000", "CNY", i8)
    agreement("letter_of_intent", "signed", "2025-01-01", interest=i9)
    agreement(
        "research_contract",
        "signed",
        "2025-03-03",
        "250000",
        "USD",
        parties=(pk2, cn1),
        sectors=(fintech,),
    )
    agreement(
        "supply_contract",
        "terminated",
        "2025-02-02",
        "1000.50",
        "USD",
        parties=(ae1, cn2),
        sectors=(ai,),
    )
    agreement("mou", "signed", "2024-12-31", "999", "USD", parties=(pk1, cn1))  # before the period
    agreement("mou", "signed", "2025-06-15", parties=(cn1, cn2))  # both parties in China

    ledger = Ledger()
    ledger.__dict__.update(locals())
    return ledger
