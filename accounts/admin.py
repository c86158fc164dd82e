from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.models import User

from accounts.models import Profile


class ProfileInline(admin.StackedInline):
    """Capacity, languages, manager and approval limit edited with the user they belong to."""

    model = Profile
    fk_name = "user"
    can_delete = False
    extra = 0
    max_num = 1
    raw_id_fields = ("manager",)


admin.site.unregister(User)


@admin.register(User)
class LossmitUserAdmin(UserAdmin):
    inlines = (ProfileInline,)
    list_display = ("username", "first_name", "last_name", "email", "roles", "is_active", "is_staff")
    list_filter = ("groups", "is_active", "is_staff")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @admin.display(description="Roles")
    def roles(self, obj: User) -> str:
        return ", ".join(sorted(group.name for group in obj.groups.all()))
