"""Admin for the audit log (read-only) and the audited base class the other admins use."""

from django.contrib import admin
from django.db import models, transaction
from django.utils.translation import gettext_lazy as _

from . import audit
from .models import AuditEntry


class AuditedModelAdmin(admin.ModelAdmin):
    """Records every change made through the admin in the audit log, like services do."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        verb = f"{obj._meta.model_name}.admin_{'change' if change else 'create'}"
        audit.record(request.user, verb, obj, {"fields": sorted(form.changed_data)})

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(request.user, f"{obj._meta.model_name}.admin_delete", obj)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for obj in queryset:
                audit.record(request.user, f"{obj._meta.model_name}.admin_delete", obj)
            super().delete_queryset(request, queryset)


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "verb", "object_type", "object_repr"]
    list_filter = ["verb", "object_type", ("at", admin.DateFieldListFilter)]
    search_fields = ["verb", "object_repr", "object_id", "actor__username"]
    list_select_related = ["actor"]
    date_hierarchy = "at"
    readonly_fields = ["at", "actor", "verb", "object_type", "object_id", "object_repr", "data"]

    # The log is evidence: nobody adds, edits or deletes entries by hand.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = _("Corridor administration")
admin.site.site_title = _("Corridor administration")
