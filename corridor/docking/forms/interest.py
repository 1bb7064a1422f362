"""Forms of the expression-of-interest pages: send an interest, decline one, decide a reveal,
and the inbox's filters.

Forms parse input and give quick feedback; they never save. The services in
``services/interest.py`` check permissions, validate again and write; their
``ValidationError`` is put back on the form's fields by the views.
"""

from __future__ import annotations

from collections.abc import Sequence

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from corridor.registry.models import LANGUAGE_CHOICES, Organisation

from ..models import CooperationProfile, Interest

MESSAGE_MAX = 4000
NOTE_MAX = 1000


class InterestForm(forms.Form):
    """A message to the organisation behind a profile. With more than one organisation the user
    may act for, they choose which one approaches; a published profile of that organisation may
    be named as the reason ("your related profile")."""

    organisation = forms.TypedChoiceField(
        label=_("Send on behalf of"),
        coerce=int,
        help_text=_("The organisation the profile's owner will see as the sender."),
    )
    message = forms.CharField(
        label=_("Message"),
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 8, "dir": "auto"}),
        help_text=_(
            "Say who you are, what interests you in this profile and what you propose. Write in "
            "English, Chinese or Urdu. The profile's owner sees your organisation and this "
            "message; your names and e-mail addresses are shared only when they accept."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the message"),
        required=False,
        help_text=_("If left empty, the language of the message is detected."),
    )
    sender_profile = forms.TypedChoiceField(
        label=_("Your related profile"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("One of your organisation's published profiles that this interest is about."),
    )

    def __init__(
        self,
        *args,
        organisations: Sequence[Organisation],
        sender_profiles: Sequence[CooperationProfile] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.organisations = {o.pk: o for o in organisations}
        self.sender_profiles = {p.pk: p for p in sender_profiles}
        if len(organisations) == 1:
            # Nothing to choose: the one organisation the user acts for is the sender.
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = [(o.pk, o.display_name) for o in organisations]
        self.fields["language"].choices = [("", _("Detect automatically"))] + list(LANGUAGE_CHOICES)
        if sender_profiles:
            several = len(organisations) > 1
            self.fields["sender_profile"].choices = [("", pgettext_lazy("profile", "None"))] + [
                (p.pk, _profile_label(p, with_organisation=several)) for p in sender_profiles
            ]
        else:
            del self.fields["sender_profile"]

    def clean(self):
        data = super().clean()
        if "organisation" in self.fields:
            organisation = self.organisations.get(data.get("organisation"))
        else:
            organisation = next(iter(self.organisations.values()), None)
        if organisation is None:
            return data
        data["organisation"] = organisation
        pk = data.get("sender_profile")
        if pk is not None:
            profile = self.sender_profiles.get(pk)
            if profile is None or profile.organisation_id != organisation.pk:
                self.add_error(
                    "sender_profile",
                    ValidationError(
                        _("Choose a published profile of the organisation that sends the interest.")
                    ),
                )
            else:
                data["sender_profile"] = profile
        return data

    def service_fields(self) -> dict:
        """Keyword arguments for ``interest_send`` (``profile`` and ``by`` apart)."""
        data = self.cleaned_data
        return {
            "organisation": data["organisation"],
            "message": data["message"],
            "language": data.get("language") or None,
            "sender_profile": data.get("sender_profile") or None,
        }


def _profile_label(profile: CooperationProfile, *, with_organisation: bool) -> str:
    label = f"{profile.reference} · {profile.title}"
    if with_organisation:
        label = f"{label} ({profile.organisation.display_name})"
    return label


class DeclineForm(forms.Form):
    """Why the owner declines; both parts are optional, as the issue asks."""

    reason = forms.ChoiceField(
        label=_("Reason"),
        required=False,
        help_text=_("The interested organisation sees the reason you choose."),
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_(
            "Optional. Kept for your organisation and the authority staff; the interested "
            "organisation does not see it."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = [("", _("No reason given"))] + list(
            Interest.DeclineReason.choices
        )


class RevealDecisionForm(forms.Form):
    """Staff's note on approving or refusing a reveal; kept in the audit log."""

    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "auto"}),
        help_text=_("Optional. Kept with the decision; the parties do not see it."),
    )


class InboxFilterForm(forms.Form):
    """The inbox's query string: ``box`` (received or sent) and ``status``. A value that is not
    a choice is an error shown on the page instead of rows."""

    BOXES = (
        ("received", pgettext_lazy("interests", "Received")),
        ("sent", pgettext_lazy("interests", "Sent")),
    )

    box = forms.ChoiceField(label=_("Box"), required=False, choices=BOXES)
    status = forms.ChoiceField(label=_("Status"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("Any"))] + list(Interest.Status.choices)

    def box_value(self) -> str:
        return (self.cleaned_data.get("box") if self.is_bound else "") or "received"
