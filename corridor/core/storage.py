"""Where private files (message attachments) live: outside the web root, served only by views."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.utils.functional import cached_property


class PrivateStorage(FileSystemStorage):
    """Files under ``settings.CORRIDOR_PRIVATE_MEDIA_ROOT``, read when first used.

    A location given to the constructor would be fixed when the models load, so a test's
    override of the setting would still write into the real folder; this one follows it.
    """

    @cached_property
    def base_location(self):
        return settings.CORRIDOR_PRIVATE_MEDIA_ROOT

    def _clear_cached_properties(self, setting, **kwargs):
        super()._clear_cached_properties(setting, **kwargs)
        if setting == "CORRIDOR_PRIVATE_MEDIA_ROOT":
            self.__dict__.pop("base_location", None)
            self.__dict__.pop("location", None)


def private_storage() -> FileSystemStorage:
    return PrivateStorage()
