"""``manage.py lti_platform add|list``: register an LMS and print what to paste into it."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from exercises.models import Course
from lti import keys, services
from lti.models import Platform


class Command(BaseCommand):
    help = "Register an LTI 1.3 platform (Canvas, Moodle, ...) for a course, or list them."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="register a platform (or update the one with this issuer and client id)")
        for name in ("issuer", "client-id", "deployment-id", "login-url", "token-url", "jwks-url", "course"):
            add.add_argument(f"--{name}", required=True)
        add.add_argument("--name", default="")
        add.add_argument("--base-url", default="http://127.0.0.1:8000", help="this site's public address")
        sub.add_parser("list", help="list registered platforms")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for p in Platform.objects.select_related("course").prefetch_related("deployments"):
                deployments = ",".join(d.deployment_id for d in p.deployments.all())
                self.stdout.write(f"{p.issuer}\t{p.client_id}\t{deployments}\t{p.course.slug}")
            return
        course = Course.objects.filter(slug=options["course"]).first()
        if course is None:
            raise CommandError(f"no course with slug {options['course']!r}")
        try:
            platform = services.platform_register(
                issuer=options["issuer"],
                client_id=options["client_id"],
                deployment_id=options["deployment_id"],
                login_url=options["login_url"],
                token_url=options["token_url"],
                jwks_url=options["jwks_url"],
                course=course,
                name=options["name"],
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        keys.key_current()
        self.stdout.write(self.style.SUCCESS(f"Registered {platform} for course {course.slug}."))
        self.stdout.write("Paste into the LMS's LTI 1.3 tool form:")
        for label, url in services.tool_urls(options["base_url"]).items():
            self.stdout.write(f"  {label:18} {url}")
