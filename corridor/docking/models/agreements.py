from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from corridor.core.models import TimeStampedModel

from .interest import Interest
from .meetings import Meeting
from .profiles import CooperationProfile

# ISO 4217 codes the two authorities report in; more can be added without a migration.
CURRENCIES = ("CNY", "PKR", "USD", "EUR", "GBP", "HKD", "AED", "SAR", "JPY", "SGD")


class Agreement(TimeStampedModel):
    """A signed outcome of docking: from a letter of intent to an investment.

    Linked, where they exist, to the profiles, the interest and the meetings that led to it,
    so the outcome ledger can follow a match all the way to a signature.
    """

    class Kind(models.TextChoices):
        LETTER_OF_INTENT = "letter_of_intent", _("letter of intent")
        MOU = "mou", _("memorandum of understanding")
        LICENCE = "licence", _("licence")
        JOINT_VENTURE = "joint_venture", _("joint venture")
        RESEARCH_CONTRACT = "research_contract", _("research contract")
        SUPPLY_CONTRACT = "supply_contract", _("supply contract")
        INVESTMENT = "investment", _("investment")

    class Status(models.TextChoices):
        SIGNED = "signed", _("signed")
        IN_FORCE = "in_force", _("in force")
        COMPLETED = "completed", _("completed")
        TERMINATED = "terminated", _("terminated")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=256)
    parties = models.ManyToManyField(
        "registry.Organisation", verbose_name=_("parties"), related_name="agreements"
    )
    signed_on = models.DateField(_("signed on"), db_index=True)
    sectors = models.ManyToManyField(
        "registry.Sector", verbose_name=_("sectors"), blank=True, related_name="agreements"
    )
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2, null=True, blank=True)
    currency = models.CharField(
        _("currency"), max_length=3, blank=True, choices=[(c, c) for c in CURRENCIES]
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SIGNED, db_index=True
    )
    interest = models.ForeignKey(
        Interest,
        verbose_name=_("expression of interest"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="agreements",
    )
    profiles = models.ManyToManyField(
        CooperationProfile, verbose_name=_("profiles"), blank=True, related_name="agreements"
    )
    meetings = models.ManyToManyField(
        Meeting, verbose_name=_("meetings"), blank=True, related_name="agreements"
    )
    notes = models.TextField(
        _("notes"), max_length=2000, blank=True, validators=[MaxLengthValidator(2000)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0),
                name="agreement_value_not_negative",
            ),
            # A value means nothing without its currency, and a currency nothing without a value.
            models.CheckConstraint(
                condition=Q(value__isnull=True, currency="")
                | (Q(value__isnull=False) & ~Q(currency="")),
                name="agreement_value_with_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("docking:agreement_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"AG-{self.pk:06d}"
