from django.contrib import admin

from authoring.models import ItemDraft, ValidationRun


@admin.register(ItemDraft)
class ItemDraftAdmin(admin.ModelAdmin[ItemDraft]):
    list_display = ("slug", "course", "kind", "updated_at", "updated_by")
    list_filter = ("course", "kind")
    readonly_fields = ("content_hash",)


@admin.register(ValidationRun)
class ValidationRunAdmin(admin.ModelAdmin[ValidationRun]):
    list_display = ("pk", "draft", "status", "created_at", "finished_at", "worker")
    list_filter = ("status",)
