from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from corridor.core.models import TimeStampedModel
from corridor.registry.models import LANGUAGE_CHOICES

from .profiles import CooperationProfile


class Interest(TimeStampedModel):
    """An organisation's expression of interest in another organisation's published profile.

    The first step of the docking pipeline. Until the profile's organisation accepts, the
    sender sees only the anonymous profile; the owner sees who approached it. Acceptance
    reveals both sides to each other (after staff approval where an authority asks for it)
    and opens the introduction thread.
    """

    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")
        EXPIRED = "expired", _("expired")

    class DeclineReason(models.TextChoices):
        NOT_RELEVANT = "not_relevant", _("not relevant")
        TOO_EARLY = "too_early", _("too early stage")
        WRONG_COUNTRY = "wrong_country", _("wrong country")
        NO_CAPACITY = "no_capacity", _("no capacity")
        OTHER = "other", _("other reason")

    class Reveal(models.TextChoices):
        NOT_YET = "not_yet", _("not yet")
        AWAITING_APPROVAL = "awaiting_approval", _("awaiting staff approval")
        REVEALED = "revealed", _("revealed")
        REFUSED = "refused", _("refused by staff")

    OPEN = (Status.SENT, Status.ACCEPTED)

    profile = models.ForeignKey(
        CooperationProfile,
        verbose_name=_("profile"),
        on_delete=models.CASCADE,
        related_name="interests",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("interested organisation"),
        on_delete=models.CASCADE,
        related_name="interests_sent",
    )
    # The sender's own profile, when the interest came from one of its matches.
    sender_profile = models.ForeignKey(
        CooperationProfile,
        verbose_name=_("the sender's profile"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="interests_from",
    )
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("sent by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="interests_sent",
    )
    message = models.TextField(_("message"), max_length=4000, validators=[MaxLengthValidator(4000)])
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SENT, db_index=True
    )
    decline_reason = models.CharField(
        _("reason for declining"), max_length=16, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(
        _("note"), max_length=1000, blank=True, validators=[MaxLengthValidator(1000)]
    )
    expires_at = models.DateTimeField(_("expires"), db_index=True)
    reminded_at = models.DateTimeField(_("reminder sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("answered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reveal = models.CharField(
        _("identity reveal"), max_length=20, choices=Reveal.choices, default=Reveal.NOT_YET
    )
    revealed_at = models.DateTimeField(_("revealed"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("expression of interest")
        verbose_name_plural = _("expressions of interest")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A double click, or two members at once, make one open interest, not two.
            models.UniqueConstraint(
                fields=["profile", "organisation"],
                condition=Q(status__in=["sent", "accepted"]),
                name="interest_one_open_per_organisation",
            ),
            models.CheckConstraint(
                condition=Q(status="declined") | Q(decline_reason=""),
                name="interest_reason_only_when_declined",
            ),
            # An introduction that ends (withdrawn) keeps its reveal: it happened, and the
            # ledger counts it.
            models.CheckConstraint(
                condition=Q(status__in=["accepted", "withdrawn"]) | Q(reveal="not_yet"),
                name="interest_reveal_only_when_accepted",
            ),
            models.CheckConstraint(
                condition=Q(reveal="revealed", revealed_at__isnull=False)
                | (~Q(reveal="revealed") & Q(revealed_at__isnull=True)),
                name="interest_revealed_at_iff_revealed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} → {self.profile.reference}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("docking:interest_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """An identifier to quote that names neither organisation."""
        return f"EI-{self.pk:06d}"

    @property
    def is_revealed(self) -> bool:
        return self.reveal == self.Reveal.REVEALED


class RevealApproval(models.Model):
    """An authority's staff deciding whether two parties of an accepted interest may know each other.

    Asked only of authorities that require it (``Authority.reveal_needs_approval``) for
    their organisations' side of an interest.
    """

    class Decision(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    interest = models.ForeignKey(
        Interest,
        verbose_name=_("expression of interest"),
        on_delete=models.CASCADE,
        related_name="reveal_approvals",
    )
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name=_("authority"),
        on_delete=models.CASCADE,
        related_name="reveal_approvals",
    )
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    note = models.TextField(
        _("note"), max_length=1000, blank=True, validators=[MaxLengthValidator(1000)]
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("reveal approval")
        verbose_name_plural = _("reveal approvals")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["interest", "authority"], name="reveal_approval_unique")
        ]

    def __str__(self) -> str:
        return f"{self.interest.reference} @ {self.authority}"
