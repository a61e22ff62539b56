from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person on the platform. ``role`` is their global role; a course role lives on Enrollment."""

    class Role(models.TextChoices):
        STUDENT = "student", _("Student")
        TEACHER = "teacher", _("Lärare")
        ADMIN = "admin", _("Administratör")

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)

    @property
    def is_teacher(self) -> bool:
        return self.role in (self.Role.TEACHER, self.Role.ADMIN) or self.is_superuser

    @property
    def is_platform_admin(self) -> bool:
        return self.role == self.Role.ADMIN or self.is_superuser
