"""HTML pages of B2B events (namespace ``events``), mounted at /<language>/events/."""

from django.urls import path

from . import views_agendas
from .views import events, participants, registrations, requests, schedule, sessions

app_name = "events"

urlpatterns = [
    path("", events.event_list, name="event_list"),
    path("new/", events.event_create, name="event_create"),
    path("<slug:slug>/", events.event_detail, name="event_detail"),
    path("<slug:slug>/edit/", events.event_edit, name="event_edit"),
    path("<slug:slug>/publish/", events.event_publish, name="event_publish"),
    path("<slug:slug>/cancel/", events.event_cancel, name="event_cancel"),
    path("<slug:slug>/sessions/", sessions.session_list, name="session_list"),
    path("<slug:slug>/sessions/<int:pk>/", sessions.session_edit, name="session_edit"),
    path("<slug:slug>/sessions/<int:pk>/remove/", sessions.session_remove, name="session_remove"),
    path("<slug:slug>/register/", registrations.register, name="register"),
    path("<slug:slug>/participation/", registrations.participation, name="participation"),
    path(
        "<slug:slug>/registrations/<int:pk>/cancel/",
        registrations.registration_cancel,
        name="registration_cancel",
    ),
    path("<slug:slug>/registrations/", registrations.registration_list, name="registrations"),
    path(
        "<slug:slug>/registrations/<int:pk>/<str:decision>/",
        registrations.registration_decide,
        name="registration_decide",
    ),
    path("<slug:slug>/participants/", participants.participant_list, name="participants"),
    path(
        "<slug:slug>/participants/<int:pk>/request/",
        participants.request_send,
        name="request_send",
    ),
    path("<slug:slug>/requests/", requests.request_list, name="requests"),
    path("<slug:slug>/requests/add/", requests.meeting_add, name="meeting_add"),
    path(
        "<slug:slug>/requests/<int:pk>/<str:action>/",
        requests.request_answer,
        name="request_answer",
    ),
    path("<slug:slug>/schedule/", schedule.schedule_page, name="schedule"),
    path(
        "<slug:slug>/schedule/meetings/<int:pk>/<str:action>/",
        schedule.meeting_action,
        name="meeting_action",
    ),
    # === Agendas, PDF, calendar feeds, master schedule and exports (agendas helper) ======
    # corridor/events/views_agendas.py adds its paths here. Pages link to these names:
    #   events:agenda (slug)                  personal agenda page
    #   events:agenda_pdf (slug)              the same as PDF
    #   events:feed (token)                   calendar subscription (Participant.feed_token)
    #   events:master_schedule (slug)         organisers: by slot and table
    #   events:master_schedule_export (slug)  organisers: CSV/XLSX
    path("<slug:slug>/agenda/", views_agendas.agenda_page, name="agenda"),
    path("<slug:slug>/agenda.pdf", views_agendas.agenda_pdf, name="agenda_pdf"),
    path("<slug:slug>/agenda/calendar-address/", views_agendas.feed_reset, name="feed_reset"),
    path("<slug:slug>/meetings/<int:pk>.ics", views_agendas.meeting_ics, name="meeting_ics"),
    # The stable feed address is "event_feed" (corridor/urls.py, outside the language prefix).
    path("feed/<str:token>.ics", views_agendas.feed, name="feed"),
    path(
        "<slug:slug>/schedule/master/",
        views_agendas.master_schedule_page,
        name="master_schedule",
    ),
    # Reversed with the slug alone: the CSV; with format="xlsx" or "pdf": the others.
    path(
        "<slug:slug>/schedule/master.csv",
        views_agendas.master_schedule_export,
        {"format": "csv"},
        name="master_schedule_export",
    ),
    path(
        "<slug:slug>/schedule/master.<str:format>",
        views_agendas.master_schedule_export,
        name="master_schedule_export",
    ),
    # === end of the agendas block ========================================================
]
