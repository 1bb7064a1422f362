"""Where private files (message attachments) live: outside the web root, served only by views."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage() -> FileSystemStorage:
    # A callable, so tests may point CORRIDOR_PRIVATE_MEDIA_ROOT at a temporary folder.
    # No base_url: nothing in it has a public address.
    return FileSystemStorage(location=settings.CORRIDOR_PRIVATE_MEDIA_ROOT, base_url=None)
