import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from corridor.core.models import TimeStampedModel


class User(AbstractUser):
    """A person who signs in. Platform admins are superusers; other roles come from memberships."""

    language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, default="en"
    )
    match_digest = models.BooleanField(
        _("e-mail me new matches"),
        default=True,
        help_text=_(
            "A digest of new matches for your organisations' published cooperation profiles."
        ),
    )
    # An IANA zone name (Asia/Karachi); blank means the zone of the person's organisation's country.
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    notify_by_email = models.BooleanField(
        _("e-mail me notifications"),
        default=True,
        help_text=_(
            "Interest in your profiles, answers, messages, meetings and agreements. "
            "You always see them on the notifications page."
        ),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    @property
    def is_platform_admin(self) -> bool:
        return self.is_active and self.is_superuser


class AuthorityStaff(TimeStampedModel):
    """A person working for an authority: keeps that authority's registry true."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="authority_staff",
    )
    authority = models.ForeignKey(
        "registry.Authority",
        verbose_name=_("authority"),
        on_delete=models.CASCADE,
        related_name="staff",
    )

    class Meta:
        verbose_name = _("authority staff member")
        verbose_name_plural = _("authority staff")
        constraints = [
            models.UniqueConstraint(fields=["user", "authority"], name="authority_staff_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.authority}"


class OrganisationMembership(TimeStampedModel):
    """A person's role in an organisation: its admin edits it, a member acts for it."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("organisation admin")
        MEMBER = "member", _("organisation member")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)

    class Meta:
        verbose_name = _("organisation membership")
        verbose_name_plural = _("organisation memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "organisation"], name="organisation_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation} ({self.get_role_display()})"


class ApiToken(TimeStampedModel):
    """A secret that lets a script act as its user through the API. Only its hash is kept."""

    PREFIX = "cor_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.user})"

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    @classmethod
    def new_key(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
