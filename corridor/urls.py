from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from .api import api
from .events.views_agendas import feed as event_feed

urlpatterns = [
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    # Calendar clients keep this address for months: no language prefix that could change.
    path("feeds/events/<str:token>.ics", event_feed, name="event_feed"),
]

# Pages carry their language in the address (/en/, /zh-hans/, /ur/), so a link keeps it.
urlpatterns += i18n_patterns(
    path("admin/", admin.site.urls),
    path("accounts/", include("corridor.accounts.urls")),
    path("profiles/", include("corridor.docking.urls")),
    path("insights/", include("corridor.insights.urls")),
    path("events/", include("corridor.events.urls")),
    path("", include("corridor.registry.urls")),
)
