from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from corridor.core.models import TimeStampedModel
from corridor.registry.models import LANGUAGE_CHOICES

TRL_VALIDATORS = [MinValueValidator(1), MaxValueValidator(9)]
MAX_KEYWORDS = 10
MAX_KEYWORD_LENGTH = 64


class CooperationProfile(TimeStampedModel):
    """What an organisation offers or looks for: a technology, a business, a partner, money.

    Written by a member of the organisation, published after an authority's staff
    approve it, and shown to others without the organisation's identity by default.
    """

    class Kind(models.TextChoices):
        # The same codes as corridor.matching.score.KINDS.
        TECHNOLOGY_OFFER = "technology_offer", _("technology offer")
        TECHNOLOGY_REQUEST = "technology_request", _("technology request")
        BUSINESS_OFFER = "business_offer", _("business offer")
        BUSINESS_REQUEST = "business_request", _("business request")
        RND_PARTNER = "rnd_partner", _("R&D partner search")
        INVESTMENT_OFFER = "investment_offer", _("investment offer")
        INVESTMENT_REQUEST = "investment_request", _("investment request")

    class Mode(models.TextChoices):
        LICENCE = "licence", _("licence")
        JOINT_VENTURE = "joint_venture", _("joint venture")
        JOINT_RND = "joint_rnd", _("joint R&D")
        TECHNICAL_COOPERATION = "technical_cooperation", _("technical cooperation")
        COMMERCIAL_AGREEMENT = (
            "commercial_agreement",
            _("commercial agreement with technical assistance"),
        )
        SUPPLY_SUBCONTRACTING = "supply_subcontracting", _("supply or subcontracting")
        DISTRIBUTION = "distribution", _("distribution")
        INVESTMENT = "investment", _("investment")
        TRAINING_EXCHANGE = "training_exchange", _("training or talent exchange")

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")
        EXPIRED = "expired", _("expired")
        WITHDRAWN = "withdrawn", _("withdrawn")

    # Requests give a wanted readiness range; offers and R&D partner searches their own level.
    REQUEST_KINDS = frozenset(
        {Kind.TECHNOLOGY_REQUEST, Kind.BUSINESS_REQUEST, Kind.INVESTMENT_REQUEST}
    )

    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="cooperation_profiles",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="cooperation_profiles",
    )
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=256)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    description = models.TextField(
        _("description"), max_length=4000, blank=True, validators=[MaxLengthValidator(4000)]
    )
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    sectors = models.ManyToManyField(
        "registry.Sector",
        verbose_name=_("sectors"),
        blank=True,
        related_name="cooperation_profiles",
    )
    keywords = models.JSONField(_("keywords"), default=list, blank=True)
    trl = models.PositiveSmallIntegerField(
        _("technology readiness level"), null=True, blank=True, validators=TRL_VALIDATORS
    )
    trl_min = models.PositiveSmallIntegerField(
        _("lowest wanted readiness level"), null=True, blank=True, validators=TRL_VALIDATORS
    )
    trl_max = models.PositiveSmallIntegerField(
        _("highest wanted readiness level"), null=True, blank=True, validators=TRL_VALIDATORS
    )
    modes = models.JSONField(_("cooperation modes"), default=list, blank=True)
    target_countries = models.JSONField(_("target countries"), default=list, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    rejection_reason = models.TextField(
        _("reason for rejection"),
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000)],
    )
    published_at = models.DateTimeField(_("published on"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True, db_index=True)
    extended = models.BooleanField(_("extended"), default=False)
    is_anonymous = models.BooleanField(_("anonymous"), default=True)
    # Set by every change the matcher must see; cleared once the texts are embedded.
    needs_indexing = models.BooleanField(_("waiting for indexing"), default=False, db_index=True)
    index_error = models.CharField(_("indexing error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("cooperation profile")
        verbose_name_plural = _("cooperation profiles")
        ordering = ["-published_at", "-created_at", "-id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="profile_status_expires")]
        constraints = [
            models.CheckConstraint(
                condition=Q(trl__isnull=True) | Q(trl__gte=1, trl__lte=9), name="profile_trl_range"
            ),
            models.CheckConstraint(
                condition=Q(trl_min__isnull=True) | Q(trl_min__gte=1, trl_min__lte=9),
                name="profile_trl_min_range",
            ),
            models.CheckConstraint(
                condition=Q(trl_max__isnull=True) | Q(trl_max__gte=1, trl_max__lte=9),
                name="profile_trl_max_range",
            ),
            models.CheckConstraint(
                condition=Q(trl_min__isnull=True)
                | Q(trl_max__isnull=True)
                | Q(trl_min__lte=models.F("trl_max")),
                name="profile_trl_min_le_max",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def reference(self) -> str:
        """An identifier to quote that says nothing about the organisation."""
        return f"CP-{self.pk:06d}"

    @property
    def is_request(self) -> bool:
        return self.kind in self.REQUEST_KINDS


class ProfileTranslation(TimeStampedModel):
    """The author's own version of a profile's texts in another of the three languages."""

    profile = models.ForeignKey(
        CooperationProfile,
        verbose_name=_("profile"),
        on_delete=models.CASCADE,
        related_name="translations",
    )
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    title = models.CharField(_("title"), max_length=256)
    summary = models.CharField(_("summary"), max_length=500, blank=True)
    description = models.TextField(
        _("description"), max_length=4000, blank=True, validators=[MaxLengthValidator(4000)]
    )

    class Meta:
        verbose_name = _("profile translation")
        verbose_name_plural = _("profile translations")
        ordering = ["language"]
        constraints = [
            models.UniqueConstraint(
                fields=["profile", "language"], name="profile_translation_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.profile_id} ({self.language})"


class MatchNotice(models.Model):
    """A match between one organisation's profile and another's, first seen by the digest.

    Kept so that each member hears of a match once (see :class:`MatchNoticeDelivery`);
    ``sent_at`` is when the first member was told.
    """

    profile = models.ForeignKey(
        CooperationProfile,
        verbose_name=_("profile"),
        on_delete=models.CASCADE,
        related_name="match_notices",
    )
    candidate = models.ForeignKey(
        CooperationProfile,
        verbose_name=_("matching profile"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    score = models.FloatField(_("score"))
    # Pairs of sector codes [this profile's, the candidate's] the match shares (same or related).
    shared_sectors = models.JSONField(_("shared sectors"), default=list, blank=True)
    first_seen_at = models.DateTimeField(_("first seen"))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipients"),
        through="MatchNoticeDelivery",
        related_name="+",
    )

    class Meta:
        verbose_name = _("match notice")
        verbose_name_plural = _("match notices")
        ordering = ["-first_seen_at", "-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["profile", "candidate"], name="match_notice_unique"),
            models.CheckConstraint(
                condition=~Q(profile=models.F("candidate")), name="match_notice_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.profile.reference} ↔ {self.candidate.reference}"


class MatchNoticeDelivery(models.Model):
    """That one person was sent one match notice in a digest e-mail."""

    notice = models.ForeignKey(
        MatchNotice,
        verbose_name=_("match notice"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="match_notice_deliveries",
    )
    sent_at = models.DateTimeField(_("sent"))

    class Meta:
        verbose_name = _("match notice delivery")
        verbose_name_plural = _("match notice deliveries")
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="match_notice_delivery_unique")
        ]

    def __str__(self) -> str:
        return f"{self.notice} → {self.user}"
