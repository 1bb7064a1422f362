from django.urls import path

from . import views
from .views import agreements as agreement_views
from .views import interest as interest_views
from .views import introductions as introduction_views
from .views import meetings as meeting_views

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
    path("<int:pk>/interest/", interest_views.interest_create, name="interest_create"),
    path("interests/", interest_views.introductions, name="introductions"),
    path("interests/<int:pk>/", interest_views.interest_detail, name="interest_detail"),
    path("interests/<int:pk>/accept/", interest_views.interest_accept, name="interest_accept"),
    path("interests/<int:pk>/decline/", interest_views.interest_decline, name="interest_decline"),
    path(
        "interests/<int:pk>/withdraw/", interest_views.interest_withdraw, name="interest_withdraw"
    ),
    path("interests/approvals/", interest_views.reveal_approvals, name="reveal_approvals"),
    path(
        "interests/approvals/<int:pk>/approve/",
        interest_views.reveal_approve,
        name="reveal_approve",
    ),
    path(
        "interests/approvals/<int:pk>/refuse/", interest_views.reveal_refuse, name="reveal_refuse"
    ),
    path(
        "meetings/propose/<int:interest_pk>/",
        meeting_views.meeting_propose,
        name="meeting_propose",
    ),
    path("meetings/<int:pk>/accept/", meeting_views.meeting_accept, name="meeting_accept"),
    path(
        "meetings/<int:pk>/reschedule/",
        meeting_views.meeting_reschedule,
        name="meeting_reschedule",
    ),
    path("meetings/<int:pk>/cancel/", meeting_views.meeting_cancel, name="meeting_cancel"),
    path("meetings/<int:pk>/mark/", meeting_views.meeting_mark, name="meeting_mark"),
    path("meetings/<int:pk>/invite.ics", meeting_views.meeting_ics, name="meeting_ics"),
    path("agreements/", agreement_views.agreement_list, name="agreement_list"),
    path("agreements/new/", agreement_views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", agreement_views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", agreement_views.agreement_edit, name="agreement_edit"),
    path(
        "interests/<int:pk>/agreements/new/",
        agreement_views.interest_agreement_create,
        name="interest_agreement_create",
    ),
    path("interests/<int:pk>/messages/", introduction_views.message_post, name="message_post"),
    path(
        "attachments/<int:pk>/",
        introduction_views.attachment_download,
        name="attachment_download",
    ),
]
