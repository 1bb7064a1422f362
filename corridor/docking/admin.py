from django.contrib import admin

from .models import CooperationProfile, ProfileTranslation


class ProfileTranslationInline(admin.TabularInline):
    model = ProfileTranslation
    extra = 0


@admin.register(CooperationProfile)
class CooperationProfileAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "organisation", "status", "published_at", "expires_at")
    list_filter = ("status", "kind", "language")
    search_fields = ("title", "summary")
    raw_id_fields = ("organisation", "created_by")
    filter_horizontal = ("sectors",)
    inlines = [ProfileTranslationInline]
