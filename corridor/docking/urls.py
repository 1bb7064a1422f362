from django.urls import path

from . import views

app_name = "docking"

urlpatterns = [
    path("", views.profile_list, name="profile_list"),
    path("new/", views.profile_create, name="profile_create"),
    path("mine/", views.my_profiles, name="my_profiles"),
    path("moderation/", views.moderation_queue, name="moderation_queue"),
    path("<int:pk>/", views.profile_detail, name="profile_detail"),
    path("<int:pk>/edit/", views.profile_edit, name="profile_edit"),
    path(
        "<int:pk>/translations/<str:language>/",
        views.profile_translation,
        name="profile_translation",
    ),
    path("<int:pk>/submit/", views.profile_submit, name="profile_submit"),
    path("<int:pk>/withdraw/", views.profile_withdraw, name="profile_withdraw"),
    path("<int:pk>/extend/", views.profile_extend, name="profile_extend"),
    path("<int:pk>/approve/", views.profile_approve, name="profile_approve"),
    path("<int:pk>/reject/", views.profile_reject, name="profile_reject"),
]
