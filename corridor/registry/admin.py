"""Admin for the registry. Changes are audited; search documents follow every change."""

from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from corridor.core.admin import AuditedModelAdmin
from corridor.core.permissions import can_edit_organisation, can_edit_zone

from . import tasks
from .models import Authority, Organisation, Sector, Zone
from .search import organisation_document

NAME_SEARCH = ["name_en", "name_zh_hans", "name_ur"]


@admin.register(Sector)
class SectorAdmin(AuditedModelAdmin):
    list_display = ["code", "name_en", "name_zh_hans", "name_ur", "parent", "position"]
    list_filter = [("parent", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["code", *NAME_SEARCH]
    list_select_related = ["parent"]
    autocomplete_fields = ["parent"]
    ordering = ["code"]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if change and {"name_en", "name_zh_hans", "name_ur", "parent"} & set(form.changed_data):
            sector_id = form.instance.pk
            transaction.on_commit(lambda: tasks.reindex_organisations.delay(sector_id=sector_id))


@admin.register(Authority)
class AuthorityAdmin(AuditedModelAdmin):
    list_display = ["code", "name_en", "name_zh_hans", "name_ur", "country"]
    list_filter = ["country"]
    search_fields = ["code", *NAME_SEARCH]


@admin.register(Zone)
class ZoneAdmin(AuditedModelAdmin):
    list_display = [
        "name_en",
        "name_zh_hans",
        "kind",
        "country",
        "city",
        "parent",
        "authority",
        "is_demo",
    ]
    list_filter = [
        "kind",
        "country",
        "authority",
        "is_demo",
        ("parent", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["slug", "city", *NAME_SEARCH]
    list_select_related = ["parent", "authority"]
    autocomplete_fields = ["parent", "authority", "operator", "focus_sectors"]
    prepopulated_fields = {"slug": ["name_en"]}

    # Django's model permissions open the admin; the registry's rules still decide which
    # zones a person may change (staff of one authority: that authority's zones).
    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_zone(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_edit_zone(request.user, obj))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Zone names are in the search documents of the organisations in it and its parks.
        if change and {"name_en", "name_zh_hans", "name_ur", "parent"} & set(form.changed_data):
            zone_id = form.instance.pk
            transaction.on_commit(lambda: tasks.reindex_organisations.delay(zone_id=zone_id))


@admin.register(Organisation)
class OrganisationAdmin(AuditedModelAdmin):
    list_display = ["name", "kind", "country", "city", "zone", "is_active", "is_demo", "updated_at"]
    list_filter = [
        "kind",
        "country",
        "size",
        "is_active",
        "is_demo",
        "description_language",
        "zone",
    ]
    search_fields = ["name", *NAME_SEARCH, "slug", "city", "ror_id", "registration_number"]
    list_select_related = ["zone"]
    autocomplete_fields = ["zone", "sectors"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["name", "slug", "kind", "is_active", "is_demo"]}),
        (_("Names in three languages"), {"fields": NAME_SEARCH}),
        (_("Where"), {"fields": ["country", "city", "zone"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "sectors",
                    "size",
                    "year_founded",
                    "website",
                    "description",
                    "description_language",
                ]
            },
        ),
        (_("Identifiers"), {"fields": ["ror_id", "registration_number"]}),
        (_("History"), {"fields": ["created_at", "updated_at"]}),
    ]

    def has_change_permission(self, request, obj=None):
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or can_edit_organisation(request.user, obj))

    def has_delete_permission(self, request, obj=None):
        allowed = super().has_delete_permission(request, obj)
        return allowed and (obj is None or can_edit_organisation(request.user, obj))

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # Sectors are saved only now, and they are part of the search document.
        organisation = form.instance
        organisation.search_document = organisation_document(organisation)
        organisation.save(update_fields=["search_document"])
