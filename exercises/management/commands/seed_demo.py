from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from exercises.models import Course, Enrollment

DEMO_USERS = [
    ("student", User.Role.STUDENT),
    ("student2", User.Role.STUDENT),
    ("teacher", User.Role.TEACHER),
    ("admin", User.Role.ADMIN),
]


class Command(BaseCommand):
    help = "Create the demo users (password = username) and enrol them. Demo mode only."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError("Demo users are only created in demo mode (never under production settings).")
        for username, role in DEMO_USERS:
            user, created = User.objects.get_or_create(username=username, defaults={"role": role})
            if created:
                user.set_password(username)
                user.is_staff = user.is_superuser = role == User.Role.ADMIN
                user.save()
            for course in Course.objects.all():
                Enrollment.objects.get_or_create(
                    course=course,
                    user=user,
                    defaults={
                        "role": Enrollment.Role.STUDENT if role == User.Role.STUDENT else Enrollment.Role.TEACHER
                    },
                )
        self.stdout.write("demo users: " + ", ".join(f"{u}/{u}" for u, _ in DEMO_USERS))
