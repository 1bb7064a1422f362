"""The ledger's definitions against the pipeline's own services: what accepting and
withdrawing an interest do to the funnel."""

from corridor.accounts.models import OrganisationMembership
from corridor.docking.services import profile_approve, profile_create, profile_submit
from corridor.docking.services.interest import interest_accept, interest_send, interest_withdraw
from corridor.insights.selectors import LedgerFilters, funnel, kpis

from ..factories import OrganisationFactory, UserFactory


def stages() -> list[int]:
    return [s.count for s in funnel(LedgerFilters.parse({})).stages]


def test_accepting_then_withdrawing_moves_an_interest_through_the_funnel(
    organisation, org_member, staff_pk, zone_cn
):
    profile = profile_create(
        organisation=organisation,
        by=org_member,
        kind="technology_offer",
        title="Robotic arm for textile mills",
        summary="A six-axis arm that sorts fabric rolls.",
        modes=["licence"],
    )
    profile_submit(profile=profile, by=org_member)
    profile_approve(profile=profile, by=staff_pk)
    sender = OrganisationFactory(slug="zgc-vision", name="ZGC Vision", country="CN", zone=zone_cn)
    writer = UserFactory(username="cn_writer")
    OrganisationMembership.objects.create(user=writer, organisation=sender, role="member")

    interest = interest_send(profile=profile, organisation=sender, by=writer, message="Hello")
    assert stages() == [1, 1, 0, 0, 0, 0]

    interest_accept(interest=interest, by=org_member)
    assert stages() == [1, 1, 1, 1, 0, 0]
    assert kpis(LedgerFilters.parse({})).median_days_to_acceptance == 0.0

    # Withdrawal ends the introduction, but it happened: still accepted and introduced.
    interest_withdraw(interest=interest, by=writer)
    assert stages() == [1, 1, 1, 1, 0, 0]

    # Taken back before any answer: an interest, never an acceptance.
    again = interest_send(profile=profile, organisation=sender, by=writer, message="Again")
    interest_withdraw(interest=again, by=writer)
    assert stages() == [1, 2, 1, 1, 0, 0]
