"""The form of the introduction thread: a message and up to five files.

It parses and gives quick feedback; ``services.introductions.message_post`` checks the
writer, the files' content and size, and saves.
"""

from __future__ import annotations

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from ..services.introductions import MAX_BODY_LENGTH, MAX_FILES, attachment_limits
from ..uploads import ACCEPT_ATTRIBUTE, ACCEPTED_TYPES


class MultipleFileInput(forms.FileInput):
    # Django 5.2 refuses `multiple` on a file input unless the widget says it handles a list.
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Cleans every selected file and returns a list (empty when none was chosen)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5, "dir": "auto"}),
    )
    files = MultipleFileField(
        label=_("Attachments"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": ACCEPT_ATTRIBUTE}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limits = attachment_limits()
        self.fields["files"].help_text = format_lazy(
            "{} {}",
            _("Up to %(count)d files, each at most %(size)s.")
            % {"count": limits["max_files"], "size": limits["max_size"]},
            ACCEPTED_TYPES,
        )

    def clean_files(self):
        files = self.cleaned_data.get("files") or []
        if len(files) > MAX_FILES:
            raise forms.ValidationError(
                _("At most %(count)d files per message.") % {"count": MAX_FILES}
            )
        return files
