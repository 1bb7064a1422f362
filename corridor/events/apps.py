from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "corridor.events"
    label = "events"
    verbose_name = _("B2B events")

    def ready(self):
        # Every process (web, worker, command) must know the notification kinds.
        from . import notices  # noqa: F401
