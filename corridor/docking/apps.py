from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DockingConfig(AppConfig):
    name = "corridor.docking"
    label = "docking"
    verbose_name = _("Cooperation profiles")

    def ready(self):
        # Every process (web, worker, command) must know the notification kinds.
        from . import notices  # noqa: F401
