from typing import Any

import django_stubs_ext
from rest_framework import serializers

from exercises.models import CheckResult, Item, Submission

# DRF's serializers subscriptable at run time, as their types (djangorestframework-stubs) are.
django_stubs_ext.monkeypatch(
    extra_classes=[serializers.Serializer, serializers.ModelSerializer, serializers.SlugRelatedField]
)


class TokenRequestSerializer(serializers.Serializer[dict[str, Any]]):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer[dict[str, Any]]):
    token = serializers.CharField()


class SubmissionCreateSerializer(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField(required=False, allow_blank=False, trim_whitespace=False)
    answer = serializers.CharField(required=False, allow_blank=False, trim_whitespace=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if bool(attrs.get("code")) == bool(attrs.get("answer")):
            raise serializers.ValidationError("Send exactly one of 'code' or 'answer'.")
        return attrs


class ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    """Every refusal: a human-readable reason (Swedish or English, by Accept-Language)."""

    detail = serializers.CharField()


class SubmissionCreatedSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.IntegerField()
    status = serializers.CharField()


class CheckResultSerializer(serializers.ModelSerializer[CheckResult]):
    message = serializers.CharField()
    hint = serializers.CharField()
    points = serializers.FloatField()
    max_points = serializers.FloatField()

    class Meta:
        model = CheckResult
        fields = ["name", "passed", "points", "max_points", "message", "hint"]


class SubmissionSerializer(serializers.ModelSerializer[Submission]):
    """A submission as its owner sees it: ``score`` is the score that counts (after a late
    penalty or a teacher's override), and score and checks stay empty until released."""

    item: serializers.SlugRelatedField[Item] = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    item_version = serializers.IntegerField(source="item_version.number")
    status_display = serializers.CharField(source="get_status_display")
    score = serializers.SerializerMethodField()
    max_score = serializers.FloatField()
    checks = serializers.SerializerMethodField()
    pending = serializers.BooleanField(source="is_pending")
    released = serializers.BooleanField(source="is_released")
    teacher_comment = serializers.SerializerMethodField()
    late_penalty_percent = serializers.IntegerField()
    progress = serializers.SerializerMethodField()

    def get_score(self, obj: Submission) -> float | None:
        if not obj.is_released or obj.final_score is None:
            return None
        return float(obj.final_score)

    def get_checks(self, obj: Submission) -> list[dict[str, Any]]:
        if not obj.is_released:
            return []
        return list(CheckResultSerializer(obj.check_results.all(), many=True).data)

    def get_progress(self, obj: Submission) -> dict[str, Any] | None:
        """While it is graded: queue position, elapsed seconds, checks known early, epochs."""
        if not obj.is_pending:
            return None
        from exercises.workspace import submission_progress

        return submission_progress(submission=obj)

    def get_teacher_comment(self, obj: Submission) -> str:
        return obj.teacher_comment if obj.is_released else ""

    class Meta:
        model = Submission
        fields = [
            "id",
            "item",
            "item_version",
            "attempt",
            "status",
            "status_display",
            "pending",
            "score",
            "max_score",
            "released",
            "teacher_comment",
            "late_penalty_percent",
            "checks",
            "progress",
            "output",
            "error",
            "created_at",
            "queued_at",
            "started_at",
            "finished_at",
        ]
