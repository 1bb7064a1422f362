"""Admin for events: for fixing data. Changes are audited.

Slots are derived from sessions and breaks by the services, so they are read-only
here; change a session through the organiser pages (or ``session_update``) to have its
slots written again. Schedules come from the scheduler, not from this admin.
"""

from django.contrib import admin

from corridor.core.admin import AuditedModelAdmin

from .models import (
    Break,
    Event,
    MeetingRequest,
    Participant,
    Registration,
    ScheduledMeeting,
    ScheduleRun,
    Session,
    Slot,
)


class SessionInline(admin.TabularInline):
    model = Session
    extra = 0
    fields = ("name", "starts_at", "ends_at", "slot_minutes", "tables", "location")
    show_change_link = True


@admin.register(Event)
class EventAdmin(AuditedModelAdmin):
    list_display = ("title_en", "slug", "authority", "starts_on", "ends_on", "status")
    list_filter = ("status", "format", "authority")
    search_fields = ("title_en", "title_zh_hans", "title_ur", "slug")
    raw_id_fields = ("created_by",)
    filter_horizontal = ("eligible_sectors",)
    list_select_related = ("authority",)
    readonly_fields = ("schedule_published_at",)
    inlines = [SessionInline]


class BreakInline(admin.TabularInline):
    model = Break
    extra = 0


class SlotInline(admin.TabularInline):
    model = Slot
    extra = 0
    can_delete = False
    readonly_fields = ("starts_at", "ends_at")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Session)
class SessionAdmin(AuditedModelAdmin):
    list_display = ("name", "event", "starts_at", "ends_at", "slot_minutes", "tables")
    list_select_related = ("event",)
    search_fields = ("name", "event__title_en")
    raw_id_fields = ("event",)
    inlines = [BreakInline, SlotInline]


@admin.register(Registration)
class RegistrationAdmin(AuditedModelAdmin):
    list_display = ("organisation", "event", "status", "created_at", "decided_at")
    list_filter = ("status",)
    search_fields = ("organisation__name", "event__title_en")
    raw_id_fields = ("event", "organisation", "registered_by", "decided_by", "profiles")
    list_select_related = ("organisation", "event")


@admin.register(Participant)
class ParticipantAdmin(AuditedModelAdmin):
    list_display = ("user", "registration", "max_meetings")
    search_fields = ("user__username", "registration__organisation__name")
    raw_id_fields = ("registration", "user")
    filter_horizontal = ("sessions",)
    list_select_related = ("user", "registration__organisation", "registration__event")
    exclude = ("feed_token",)  # a secret: renewed by the person, never shown


@admin.register(MeetingRequest)
class MeetingRequestAdmin(AuditedModelAdmin):
    list_display = ("requester", "recipient", "event", "priority", "status", "added_by_organiser")
    list_filter = ("status", "priority", "added_by_organiser")
    raw_id_fields = ("event", "requester", "recipient", "created_by")
    list_select_related = (
        "event",
        "requester__user",
        "requester__registration__organisation",
        "recipient__user",
        "recipient__registration__organisation",
    )


@admin.register(ScheduledMeeting)
class ScheduledMeetingAdmin(AuditedModelAdmin):
    list_display = ("request", "slot", "table", "status", "locked", "sequence", "held")
    list_filter = ("status", "locked", "held")
    raw_id_fields = ("request", "event", "slot", "checked_in_by")
    list_select_related = ("slot", "request__requester__user", "request__recipient__user")


@admin.register(ScheduleRun)
class ScheduleRunAdmin(admin.ModelAdmin):
    list_display = ("event", "started_at", "status", "placed", "value", "upper_bound", "moved")
    list_filter = ("status",)
    list_select_related = ("event",)
    readonly_fields = [f.name for f in ScheduleRun._meta.fields]

    def has_add_permission(self, request):
        return False
