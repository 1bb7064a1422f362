from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from corridor.core.storage import private_storage
from corridor.registry.models import LANGUAGE_CHOICES

from .interest import Interest


class Message(models.Model):
    """One message in the introduction thread between the two parties of an accepted interest.

    Read by the two parties and, read-only, by the staff of their authorities who broker it.
    """

    interest = models.ForeignKey(
        Interest,
        verbose_name=_("expression of interest"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The side that wrote it: kept even if the author later leaves the organisation.
    organisation = models.ForeignKey(
        "registry.Organisation",
        verbose_name=_("organisation"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    body = models.TextField(_("message"), max_length=4000, validators=[MaxLengthValidator(4000)])
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGE_CHOICES)
    created_at = models.DateTimeField(_("sent"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.interest.reference} #{self.pk}"


def _attachment_path(instance: "Attachment", filename: str) -> str:
    # Never the uploaded name: it may hold anything. The original is kept in `name`.
    return f"attachments/{instance.message.interest_id}/{instance.sha256[:2]}/{instance.sha256}"


class Attachment(models.Model):
    """A file sent with a message: type checked by content, stored outside the web root."""

    message = models.ForeignKey(
        Message,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    file = models.FileField(_("file"), storage=private_storage, upload_to=_attachment_path)
    name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name
