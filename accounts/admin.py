"""Admin of offices and users: office staff, contractors' users and superusers."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from projects.models import ContractorMembership
from reference.admin_history import ReadOnlyHistoryAdmin

from .models import ApiToken, Invitation, Office, User


class StaffInline(admin.TabularInline):
    """The office's staff, to review and change roles. Users are created on the user page
    (they need a password), and removing one here would delete the account."""

    model = User
    fk_name = "office"
    fields = ["username", "first_name", "last_name", "email", "office_role", "is_active"]
    readonly_fields = ["username", "first_name", "last_name", "email"]
    extra = 0
    can_delete = False
    show_change_link = True
    verbose_name = _("staff member")
    verbose_name_plural = _("staff")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Office)
class OfficeAdmin(ReadOnlyHistoryAdmin):
    list_display = ["name", "kind", "region", "time_zone", "staff_count"]
    list_filter = ["kind"]
    search_fields = ["name", "region__name", "^region__code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    readonly_fields = ["time_zone", "created_at", "updated_at"]
    inlines = [StaffInline]
    fieldsets = [
        (None, {"fields": ["name", "kind", "region", "time_zone"]}),
        (_("Contact"), {"fields": ["email", "phone", "address"]}),
        (
            _("Warning letters"),
            {
                "fields": [
                    "letterhead_government",
                    "letterhead_agency",
                    "letter_city",
                    "head_name",
                    "head_title",
                    "head_nip",
                ]
            },
        ),
        (_("Record"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(staff_total=Count("staff"))

    @admin.display(description=_("time zone"))
    def time_zone(self, office):
        return office.zoneinfo.key  # the region's (reference.zones)

    @admin.display(description=_("staff"), ordering="staff_total")
    def staff_count(self, office):
        return office.staff_total


class ContractorMembershipInline(admin.StackedInline):
    model = ContractorMembership
    fields = ["contractor", "is_company_admin", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["contractor"]
    extra = 0
    max_num = 1
    verbose_name_plural = _("works for a contractor")


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (
            _("Personal info"),
            {"fields": ["first_name", "last_name", "email", "preferred_language"]},
        ),
        (
            _("Office"),
            {
                "fields": ["office", "office_role"],
                "description": _(
                    "Office staff need both an office and a role; leave both empty for a "
                    "contractor's user, whose company is set below."
                ),
            },
        ),
        (
            _("Permissions"),
            {
                "fields": [
                    "is_active",
                    "is_staff",
                    "is_superuser",
                    "groups",
                    "user_permissions",
                ]
            },
        ),
        (_("Important dates"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["username", "usable_password", "password1", "password2"],
            },
        ),
        (_("Office"), {"fields": ["office", "office_role", "preferred_language"]}),
    ]
    list_display = [
        "username",
        "email",
        "first_name",
        "last_name",
        "office",
        "office_role",
        "contractor",
        "is_staff",
    ]
    list_filter = [
        "is_staff",
        "is_superuser",
        "is_active",
        "office_role",
        "office__kind",
        "preferred_language",
    ]
    search_fields = [
        "username",
        "first_name",
        "last_name",
        "email",
        "office__name",
        "contractor_membership__contractor__legal_name",
    ]
    list_select_related = ["office", "contractor_membership__contractor"]
    autocomplete_fields = ["office"]
    inlines = [ContractorMembershipInline]

    @admin.display(
        description=_("contractor"), ordering="contractor_membership__contractor__legal_name"
    )
    def contractor(self, user):
        membership = getattr(user, "contractor_membership", None)
        return membership.contractor if membership else None


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    """Invitations are sent and withdrawn by company admins on their team page; here they are
    read (the token itself is never stored, only its hash)."""

    list_display = [
        "email",
        "contractor",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = [
        ("accepted_at", admin.EmptyFieldListFilter),
        ("revoked_at", admin.EmptyFieldListFilter),
    ]
    search_fields = ["email", "contractor__legal_name"]
    list_select_related = ["contractor", "invited_by"]
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: people create and revoke their tokens on their tokens page; the secret is
    never stored, so there is nothing here to copy."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "user__username", "user__email", "prefix"]
    list_select_related = ["user"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
