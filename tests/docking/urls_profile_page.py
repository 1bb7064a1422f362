"""The site's routes plus a stand-in profile page, for tests that run before docking has pages."""

from django.conf.urls.i18n import i18n_patterns
from django.http import HttpResponse
from django.urls import include, path

from corridor.urls import urlpatterns as site


def profile_detail(request, pk):
    return HttpResponse(str(pk))


urlpatterns = [
    *site,
    *i18n_patterns(
        path(
            "profiles/",
            include(([path("<int:pk>/", profile_detail, name="profile_detail")], "docking")),
        )
    ),
]
