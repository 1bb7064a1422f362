from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from corridor.core import audit
from corridor.core.admin import AuditedModelAdmin

from .models import ApiToken, AuthorityStaff, OrganisationMembership, User


class AuthorityStaffInline(admin.TabularInline):
    model = AuthorityStaff
    extra = 0
    autocomplete_fields = ["authority"]


class MembershipInline(admin.TabularInline):
    model = OrganisationMembership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(AuditedModelAdmin, DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Corridor"), {"fields": ("language",)}),
    )
    add_fieldsets = (
        *DjangoUserAdmin.add_fieldsets,
        (_("Corridor"), {"fields": ("email", "language")}),
    )
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "language",
        "is_staff",
        "is_superuser",
    ]
    list_filter = [*DjangoUserAdmin.list_filter, "language"]
    inlines = [AuthorityStaffInline, MembershipInline]


@admin.register(AuthorityStaff)
class AuthorityStaffAdmin(AuditedModelAdmin):
    list_display = ["user", "authority", "created_at"]
    list_filter = ["authority"]
    search_fields = ["user__username", "user__email", "authority__code", "authority__name_en"]
    list_select_related = ["user", "authority"]
    autocomplete_fields = ["user", "authority"]


@admin.register(OrganisationMembership)
class OrganisationMembershipAdmin(AuditedModelAdmin):
    list_display = ["user", "organisation", "role", "created_at"]
    list_filter = ["role", "organisation__country"]
    search_fields = ["user__username", "user__email", "organisation__name", "organisation__slug"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user", "organisation"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are made by their owners, who alone see the key once; staff may only revoke."""

    list_display = ["name", "user", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "created_at"]
    search_fields = ["name", "user__username", "user__email"]
    list_select_related = ["user"]
    fields = ["name", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        # Read-only pages; the revoke action checks the change permission itself.
        return obj is None and super().has_change_permission(request, obj)

    @admin.action(description=_("Revoke the selected tokens"), permissions=["change"])
    def revoke(self, request, queryset):
        now = timezone.now()
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            token.revoked_at = now
            token.save(update_fields=["revoked_at"])
            audit.record(request.user, "api_token.revoke", token)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", len(tokens))
            % {"count": len(tokens)},
        )
