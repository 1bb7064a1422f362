"""Forms of the cooperation profile pages: the browser's filters, the profile form, moderation.

Forms parse input and give quick feedback; they never save. The services in
``services.py`` check permissions, validate again and write; their
``ValidationError`` is put back on the form's fields by the views.
"""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries import countries

from corridor.core.i18n import localized
from corridor.registry.models import LANGUAGE_CHOICES, Sector

from .. import matching
from ..models import MAX_KEYWORDS, CooperationProfile
from ..selectors import ProfileFilters

Kind = CooperationProfile.Kind
Mode = CooperationProfile.Mode

# The European Commission's scale (Horizon 2020, General Annexes, part G).
TRL_LABELS = {
    1: _("basic principles observed"),
    2: _("technology concept formulated"),
    3: _("experimental proof of concept"),
    4: _("technology validated in the laboratory"),
    5: _("technology validated in a relevant environment"),
    6: _("technology demonstrated in a relevant environment"),
    7: _("system prototype demonstrated in an operational environment"),
    8: _("system complete and qualified"),
    9: _("actual system proven in an operational environment"),
}
# The corridor's two countries first in country lists; the rest by name.
CORRIDOR_COUNTRIES = ("PK", "CN")
# Commas of the three languages (and the Chinese enumeration comma), semicolons, new lines.
KEYWORD_SEPARATORS = re.compile(r"[,，،、;；\n]+")


def sector_choices() -> list[tuple[str, str]]:
    """Every sector as (code, name), sub-sectors indented under their parent (one query)."""
    sectors = list(
        Sector.objects.only("code", "parent_id", "position", "name_en", "name_zh_hans", "name_ur")
    )
    children: dict[int | None, list[Sector]] = {}
    known = {s.pk for s in sectors}
    for sector in sorted(sectors, key=lambda s: (s.position, s.code)):
        parent = sector.parent_id if sector.parent_id in known else None
        children.setdefault(parent, []).append(sector)
    choices: list[tuple[str, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for sector in children.get(parent, []):
            # No-break spaces: an option's ordinary leading spaces collapse.
            choices.append((sector.code, "\u00a0\u00a0\u00a0" * depth + localized(sector, "name")))
            walk(sector.pk, depth + 1)

    walk(None, 0)
    return choices


def trl_choices() -> list[tuple[int, str]]:
    """Levels 1 to 9 with their meaning, in the active language."""
    return [
        (level, _("%(level)d: %(label)s") % {"level": level, "label": label})
        for level, label in TRL_LABELS.items()
    ]


def country_choices() -> list[tuple[str, str]]:
    first = [(code, countries.name(code)) for code in CORRIDOR_COUNTRIES]
    rest = [(code, name) for code, name in countries if code not in CORRIDOR_COUNTRIES]
    return first + rest


def split_keywords(text: str) -> list[str]:
    """Keywords typed in one box, separated by a comma of any of the three languages."""
    return [part.strip() for part in KEYWORD_SEPARATORS.split(text or "") if part.strip()]


# --- The browser's filters -----------------------------------------------------------


class ProfileFilterForm(forms.Form):
    """The profile browser's query string: ``q``, ``kind``, ``sector``, ``country``,
    ``language``, ``mode``, ``trl``. A value that is not a choice is an error shown on
    the page instead of results."""

    q = forms.CharField(
        label=pgettext_lazy("search box", "Search"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": _("Words in English, Chinese or Urdu…"),
                "dir": "auto",
            }
        ),
    )
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    country = forms.CharField(label=_("Country"), required=False, max_length=2)
    language = forms.ChoiceField(label=_("Language"), required=False)
    mode = forms.ChoiceField(label=_("Cooperation mode"), required=False)
    trl = forms.TypedChoiceField(
        label=_("Technology readiness level"),
        required=False,
        coerce=int,
        empty_value=None,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        any_choice = [("", _("Any"))]
        self.fields["kind"].choices = any_choice + list(Kind.choices)
        self.fields["sector"].choices = any_choice + sector_choices()
        self.fields["language"].choices = any_choice + list(LANGUAGE_CHOICES)
        self.fields["mode"].choices = any_choice + list(Mode.choices)
        self.fields["trl"].choices = any_choice + trl_choices()
        # The corridor's countries, and any other valid one the address names.
        shown = list(CORRIDOR_COUNTRIES)
        asked = str((self.data or {}).get("country") or "").upper()
        if asked in countries and asked not in shown:
            shown.append(asked)
        self.fields["country"].widget = forms.Select(
            choices=any_choice + [(code, countries.name(code)) for code in shown]
        )

    def clean_q(self) -> str:
        text = self.cleaned_data.get("q") or ""
        if not text:
            return ""
        try:
            return matching.clean_query(text)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("q", error.messages)) from error

    def clean_country(self) -> str:
        code = (self.cleaned_data.get("country") or "").upper()
        if code and code not in countries:
            raise ValidationError(_("Unknown country code."))
        return code

    def filters(self) -> ProfileFilters:
        """The filters of a valid form."""
        data = self.cleaned_data
        return ProfileFilters(
            q=data.get("q") or "",
            kind=data.get("kind") or "",
            sector=data.get("sector") or "",
            country=data.get("country") or "",
            language=data.get("language") or "",
            mode=data.get("mode") or "",
            trl=data.get("trl"),
        )


# --- Writing a profile ------------------------------------------------------------


class ProfileForm(forms.Form):
    """A profile's fields as its author writes them; ``service_fields()`` feeds
    ``profile_create`` or ``profile_update``. With ``organisations``, the author first
    chooses which of their organisations it is for (a new profile)."""

    organisation = forms.TypedChoiceField(label=_("Organisation"), coerce=int)
    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices)
    title = forms.CharField(
        label=_("Title"),
        max_length=256,
        widget=forms.TextInput(attrs={"dir": "auto"}),
        help_text=_("What you offer or look for, in a few words."),
    )
    summary = forms.CharField(
        label=_("Summary"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 3}),
        help_text=_("Two or three sentences shown in lists."),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"dir": "auto", "rows": 10}),
        help_text=_(
            "The technology or business, its advantages, what stage it is at, and the partner "
            "you look for."
        ),
    )
    language = forms.ChoiceField(
        label=_("Language of the texts"),
        required=False,
        help_text=_("If left empty, the language of the title and texts is detected."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=_("Hold Ctrl (or ⌘) to choose more than one."),
    )
    keywords = forms.CharField(
        label=_("Keywords"),
        required=False,
        widget=forms.TextInput(attrs={"dir": "auto"}),
    )
    trl = forms.TypedChoiceField(
        label=_("Technology readiness level"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("For offers and R&D partner searches: how far your technology is."),
    )
    trl_min = forms.TypedChoiceField(
        label=_("Lowest wanted readiness level"),
        required=False,
        coerce=int,
        empty_value=None,
        help_text=_("For requests: the range of readiness you would accept."),
    )
    trl_max = forms.TypedChoiceField(
        label=_("Highest wanted readiness level"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    modes = forms.MultipleChoiceField(
        label=_("Cooperation modes"),
        required=False,
        choices=Mode.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    target_countries = forms.MultipleChoiceField(
        label=_("Target countries"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Where you look for partners; none means anywhere."),
    )
    deadline = forms.DateField(
        label=_("Deadline"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"],
        help_text=_(
            "The profile is taken down after this day, or 12 months after publishing if that "
            "comes first (it can be extended once)."
        ),
    )
    is_anonymous = forms.BooleanField(
        label=_("Publish without naming our organisation"),
        required=False,
        initial=True,
        help_text=_(
            "Readers see the profile's reference, country and texts, not which organisation "
            "wrote it. Do not name your organisation in the texts."
        ),
    )

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        if organisations is None:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].choices = [(o.pk, o.display_name) for o in organisations]
            if len(organisations) == 1:
                self.fields["organisation"].initial = organisations[0].pk
        self.fields["language"].choices = [("", _("Detect automatically"))] + list(LANGUAGE_CHOICES)
        self.fields["sectors"].choices = sector_choices()
        self.fields["target_countries"].choices = country_choices()
        blank = [("", "—")]
        for name in ("trl", "trl_min", "trl_max"):
            self.fields[name].choices = blank + trl_choices()
        self.fields["keywords"].help_text = _(
            "Separated by commas (, ， or ،); at most %(count)d."
        ) % {"count": MAX_KEYWORDS}

    @classmethod
    def initial_for(cls, profile: CooperationProfile) -> dict:
        return {
            "kind": profile.kind,
            "title": profile.title,
            "summary": profile.summary,
            "description": profile.description,
            "language": profile.language,
            "sectors": [s.code for s in profile.sectors.all()],
            "keywords": ", ".join(profile.keywords),
            "trl": profile.trl,
            "trl_min": profile.trl_min,
            "trl_max": profile.trl_max,
            "modes": list(profile.modes),
            "target_countries": list(profile.target_countries),
            "deadline": profile.deadline,
            "is_anonymous": profile.is_anonymous,
        }

    def clean_keywords(self) -> list[str]:
        return split_keywords(self.cleaned_data.get("keywords") or "")

    def service_fields(self) -> dict:
        """Keyword arguments for ``profile_create`` / ``profile_update`` (organisation apart)."""
        data = dict(self.cleaned_data)
        data.pop("organisation", None)
        return data


class TranslationForm(forms.Form):
    """The author's own version of a profile's texts in another language."""

    title = forms.CharField(label=_("Title"), max_length=256)
    summary = forms.CharField(label=_("Summary"), max_length=500, required=False,
                              widget=forms.Textarea(attrs={"rows": 3}))  # fmt: skip
    description = forms.CharField(label=_("Description"), max_length=4000, required=False,
                                  widget=forms.Textarea(attrs={"rows": 10}))  # fmt: skip

    def __init__(self, *args, language: str, **kwargs):
        super().__init__(*args, **kwargs)
        direction = "rtl" if language == "ur" else "ltr"
        for field in self.fields.values():
            field.widget.attrs.update({"lang": language, "dir": direction})


class RejectForm(forms.Form):
    """Why a moderator sends a profile back; the service insists on a reason."""

    rejection_reason = forms.CharField(
        label=_("Reason for rejection"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        help_text=_("The authors read this; say what to change."),
    )
