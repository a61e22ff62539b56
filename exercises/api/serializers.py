from rest_framework import serializers

from exercises.models import CheckResult, Submission


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


class SubmissionCreateSerializer(serializers.Serializer):
    code = serializers.CharField(required=False, allow_blank=False, trim_whitespace=False)
    answer = serializers.CharField(required=False, allow_blank=False, trim_whitespace=False)

    def validate(self, attrs: dict) -> dict:
        if bool(attrs.get("code")) == bool(attrs.get("answer")):
            raise serializers.ValidationError("Send exactly one of 'code' or 'answer'.")
        return attrs


class ErrorSerializer(serializers.Serializer):
    """Every refusal: a human-readable reason (Swedish or English, by Accept-Language)."""

    detail = serializers.CharField()


class SubmissionCreatedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class CheckResultSerializer(serializers.ModelSerializer):
    message = serializers.CharField()
    hint = serializers.CharField()
    points = serializers.FloatField()
    max_points = serializers.FloatField()

    class Meta:
        model = CheckResult
        fields = ["name", "passed", "points", "max_points", "message", "hint"]


class SubmissionSerializer(serializers.ModelSerializer):
    item = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    item_version = serializers.IntegerField(source="item_version.number")
    status_display = serializers.CharField(source="get_status_display")
    score = serializers.FloatField(allow_null=True)
    max_score = serializers.FloatField()
    checks = CheckResultSerializer(source="check_results", many=True)
    pending = serializers.BooleanField(source="is_pending")

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
            "checks",
            "output",
            "error",
            "created_at",
            "queued_at",
            "started_at",
            "finished_at",
        ]
