from django.contrib import admin

from exercises.models import Assessment, CheckResult, Course, Enrollment, Item, ItemVersion, Submission


class CheckResultInline(admin.TabularInline[CheckResult, Submission]):
    model = CheckResult
    extra = 0


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin[Submission]):
    list_display = ("id", "user", "item", "status", "score", "created_at", "finished_at")
    list_filter = ("status", "item")
    inlines = [CheckResultInline]


admin.site.register([Course, Enrollment, Assessment, Item, ItemVersion])
