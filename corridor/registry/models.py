from decimal import Decimal

from django.core.validators import (
    MaxLengthValidator,
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from corridor.core.i18n import localized
from corridor.core.models import TimeStampedModel

LANGUAGE_CHOICES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("ur", _("Urdu")),
]


class TrilingualNameMixin(models.Model):
    """A name in English, Simplified Chinese and Urdu."""

    name_en = models.CharField(_("name (English)"), max_length=200)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    name_ur = models.CharField(_("name (Urdu)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        return localized(self, "name")


class Sector(TrilingualNameMixin):
    """A node of the sector taxonomy, with a stable code (``ai``, ``ai.vision``)."""

    code = models.CharField(
        _("code"),
        max_length=64,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z0-9]+(?:[.-][a-z0-9]+)*$",
                _("Use lower-case letters, digits, dots and hyphens, e.g. ai.vision."),
            )
        ],
        help_text=_("Stable identifier; sub-sectors use their parent's code as a prefix."),
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent sector"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:organisation_list") + f"?sector={self.code}"


class Authority(TrilingualNameMixin):
    """A signatory body of the agreement: it keeps the registry of its own country."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    country = CountryField(_("country"))
    website = models.URLField(_("website"), blank=True)
    # When set, two parties that agreed to meet learn each other's identity only after
    # this authority's staff approve, for each interest one of its organisations is in.
    reveal_needs_approval = models.BooleanField(
        _("staff approve each identity reveal"), default=False
    )

    class Meta:
        verbose_name = _("authority")
        verbose_name_plural = _("authorities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Zone(TrilingualNameMixin, TimeStampedModel):
    """A technology zone, science park, member park or incubator; member parks sit under a zone."""

    class Kind(models.TextChoices):
        TECHNOLOGY_ZONE = "technology_zone", _("technology zone")
        SCIENCE_PARK = "science_park", _("science park")
        MEMBER_PARK = "member_park", _("member park")
        INCUBATOR = "incubator", _("incubator")

    slug = models.SlugField(_("identifier"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("part of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    authority = models.ForeignKey(
        Authority,
        verbose_name=_("authority"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="zones",
    )
    operator = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("operator"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="operated_zones",
    )
    country = CountryField(_("country"))
    city = models.CharField(_("city"), max_length=100, blank=True)
    area_km2 = models.DecimalField(
        _("area (km²)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    year_founded = models.PositiveSmallIntegerField(
        _("year founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1800), MaxValueValidator(2100)],
    )
    focus_sectors = models.ManyToManyField(
        Sector, verbose_name=_("focus sectors"), blank=True, related_name="zones"
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    description = models.TextField(
        _("description"), max_length=4000, blank=True, validators=[MaxLengthValidator(4000)]
    )
    description_language = models.CharField(
        _("description language"), max_length=8, choices=LANGUAGE_CHOICES, blank=True
    )
    is_demo = models.BooleanField(_("demo data"), default=False)

    class Meta:
        verbose_name = _("zone")
        verbose_name_plural = _("zones")
        ordering = ["country", "name_en"]
        constraints = [
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gt=0),
                name="zone_area_positive",
            ),
            models.CheckConstraint(
                condition=Q(year_founded__isnull=True)
                | Q(year_founded__gte=1800, year_founded__lte=2100),
                name="zone_year_founded_plausible",
            ),
            models.CheckConstraint(condition=~Q(parent=models.F("pk")), name="zone_not_own_parent"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:zone_detail", kwargs={"slug": self.slug})


class Organisation(TimeStampedModel):
    """An enterprise, university, R&D centre, industry or government body, or investor."""

    class Kind(models.TextChoices):
        ENTERPRISE = "enterprise", _("enterprise")
        UNIVERSITY = "university", _("university")
        RND_CENTRE = "rnd_centre", _("R&D centre")
        INDUSTRY_BODY = "industry_body", _("industry body")
        GOVERNMENT_BODY = "government_body", _("government body")
        INVESTOR = "investor", _("investor")

    class Size(models.TextChoices):
        MICRO = "micro", _("1–9 people")
        SMALL = "small", _("10–49 people")
        MEDIUM = "medium", _("50–249 people")
        LARGE = "large", _("250–999 people")
        VERY_LARGE = "very_large", _("1,000 people or more")

    slug = models.SlugField(_("identifier"), max_length=120, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    # The name as the organisation writes it, plus the versions it has in each language.
    name = models.CharField(pgettext_lazy("organisation", "name"), max_length=300)
    name_en = models.CharField(_("name (English)"), max_length=300, blank=True)
    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=300, blank=True)
    name_ur = models.CharField(_("name (Urdu)"), max_length=300, blank=True)
    country = CountryField(_("country"), db_index=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    zone = models.ForeignKey(
        Zone,
        verbose_name=_("zone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="organisations",
    )
    sectors = models.ManyToManyField(
        Sector, verbose_name=_("sectors"), blank=True, related_name="organisations"
    )
    size = models.CharField(_("size"), max_length=16, choices=Size.choices, blank=True)
    year_founded = models.PositiveSmallIntegerField(
        _("year founded"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1000), MaxValueValidator(2100)],
    )
    website = models.URLField(_("website"), max_length=300, blank=True)
    description = models.TextField(
        _("description"), max_length=4000, blank=True, validators=[MaxLengthValidator(4000)]
    )
    description_language = models.CharField(
        _("description language"), max_length=8, choices=LANGUAGE_CHOICES, blank=True
    )
    ror_id = models.CharField(
        _("ROR id"),
        max_length=9,
        blank=True,
        # ROR ids: "0", six Crockford base-32 characters, a two-digit checksum.
        validators=[
            RegexValidator(
                r"^0[0-9a-hjkmnp-tv-z]{6}[0-9]{2}$", _("Not a ROR id (e.g. 02v51f717).")
            ),
        ],
        help_text=_("Research Organization Registry identifier, e.g. 02v51f717."),
    )
    registration_number = models.CharField(_("registration number"), max_length=64, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_demo = models.BooleanField(_("demo data"), default=False)
    # Tokens of every name, the description, the city, zone and sector names in all
    # three languages: what full-text search matches (see corridor.core.text).
    search_document = models.TextField(editable=False, blank=True, default="")

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        indexes = [
            models.Index(fields=["name"]),
            models.Index(fields=["kind", "name"]),
            models.Index(fields=["country", "name"]),
            # The public directory lists active organisations only: its page order, its
            # zone pages and its facet counts read these indexes alone (registry/facets.py).
            # is_active is repeated as a column so SQLite sees each index as covering.
            models.Index(
                fields=["name", "id", "is_active"],
                condition=Q(is_active=True),
                name="organisation_active_name",
            ),
            models.Index(
                fields=["country", "kind", "zone", "id", "is_active"],
                condition=Q(is_active=True),
                name="organisation_active_facets",
            ),
            models.Index(
                fields=["zone", "name", "id", "is_active"],
                condition=Q(is_active=True),
                name="organisation_active_zone",
            ),
            models.Index(
                fields=["id", "is_active"],
                condition=Q(is_active=False),
                name="organisation_inactive",
            ),
            # The directory's count cache notices any write by the latest change.
            models.Index(fields=["updated_at"], name="organisation_updated_at"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ror_id"], condition=~Q(ror_id=""), name="organisation_unique_ror_id"
            ),
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                condition=~Q(registration_number=""),
                name="organisation_unique_registration",
            ),
            models.CheckConstraint(
                condition=Q(year_founded__isnull=True)
                | Q(year_founded__gte=1000, year_founded__lte=2100),
                name="organisation_year_founded_plausible",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:organisation_detail", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        """The name in the reader's language when the organisation has one."""
        return localized(self, "name")
