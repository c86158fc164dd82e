"""Django admin for letters.

Templates: saving one never changes the row on screen; it goes through letter_template_edit,
which adds a new active version and audits it, so letters already sent keep their text.
Letters: view-only (they are what was sent; a correction is a new letter).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.roles import Role, user_has_role
from letters.models import Letter, LetterTemplate
from letters.services import letter_template_check, letter_template_edit
from lossmit.errors import DomainError


class LetterTemplateAdminForm(forms.ModelForm):
    class Meta:
        model = LetterTemplate
        fields = ("kind", "subject", "body", "note")

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        kind = self.instance.kind if self.instance.pk else data.get("kind")
        try:
            letter_template_check(kind=kind, subject=data["subject"], body=data["body"])
        except DomainError as exc:
            raise ValidationError(exc.message) from None
        return data


@admin.register(LetterTemplate)
class LetterTemplateAdmin(admin.ModelAdmin):
    form = LetterTemplateAdminForm
    list_display = ("kind", "version", "active", "subject", "edited_by", "created_at")
    list_filter = ("kind", "active")
    ordering = ("kind", "-version")

    def get_readonly_fields(self, request, obj=None):
        return ("kind", "version", "active", "edited_by", "created_at") if obj else ()

    def has_module_permission(self, request) -> bool:
        return user_has_role(request.user, Role.ADMIN)

    def has_view_permission(self, request, obj=None) -> bool:
        return user_has_role(request.user, Role.ADMIN)

    def has_add_permission(self, request) -> bool:
        return user_has_role(request.user, Role.ADMIN)

    def has_change_permission(self, request, obj=None) -> bool:
        return user_has_role(request.user, Role.ADMIN)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change):
        # A new version through the service; the edited row itself stays as it was.
        kind = form.instance.kind if change else form.cleaned_data["kind"]
        if change:
            obj.refresh_from_db()
        try:
            saved = letter_template_edit(
                actor=request.user,
                kind=kind,
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                note=form.cleaned_data.get("note", ""),
            )
        except DomainError as exc:
            # Checked in the form already; only a race (or an unchanged text) gets here.
            self.message_user(request, exc.message, level="error")
            return
        obj.pk, obj.version = saved.pk, saved.version

    def save_related(self, request, form, formsets, change):
        pass


@admin.register(Letter)
class LetterAdmin(admin.ModelAdmin):
    list_display = ("id", "kind", "loan", "case", "sent_on", "created_by", "created_at")
    list_filter = ("kind",)
    search_fields = ("loan__loan_number",)
    raw_id_fields = ("loan", "case", "workout", "template")
    exclude = ("pdf",)
    show_full_result_count = False

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
