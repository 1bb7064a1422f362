"""Admin for cooperation profiles. Changes are audited; a changed profile is re-indexed.

The admin is for fixing data; the life cycle (submit, approve, reject, withdraw)
belongs to the pages and the API, which go through the services.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from corridor.core.admin import AuditedModelAdmin

from .matching import schedule_index
from .models import CooperationProfile, ProfileTranslation


class ProfileTranslationInline(admin.TabularInline):
    model = ProfileTranslation
    extra = 0


@admin.register(CooperationProfile)
class CooperationProfileAdmin(AuditedModelAdmin):
    list_display = (
        "title", "kind", "organisation", "status", "published_at", "expires_at", "needs_indexing",
    )  # fmt: skip
    list_filter = ("status", "kind", "language", "needs_indexing")
    search_fields = ("title", "summary")
    raw_id_fields = ("organisation", "created_by")
    filter_horizontal = ("sectors",)
    readonly_fields = ("needs_indexing", "index_error")
    list_select_related = ("organisation",)
    inlines = [ProfileTranslationInline]
    actions = ["queue_for_matching"]

    def save_related(self, request, form, formsets, change):
        # Texts, sectors or translations may have changed: the matcher must see them.
        super().save_related(request, form, formsets, change)
        profile = form.instance
        CooperationProfile.objects.filter(pk=profile.pk).update(needs_indexing=True)
        schedule_index([profile.pk])

    @admin.action(description=_("Index again for matching"))
    def queue_for_matching(self, request, queryset):
        ids = list(queryset.values_list("pk", flat=True))
        queryset.update(needs_indexing=True)
        schedule_index(ids)
        message = ngettext(
            "%(count)d profile queued for matching.",
            "%(count)d profiles queued for matching.",
            len(ids),
        )
        self.message_user(request, message % {"count": len(ids)})
