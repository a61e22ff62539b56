"""The assessment's Safe Exam Browser settings file (``.seb``): an unencrypted XML property list.

SEB opens it, reconfigures itself and loads ``startURL``. ``sendBrowserExamKey`` makes SEB send
the Config Key and Browser Exam Key hashes with every request; the teacher copies the Config Key
that SEB's configuration tool shows for this file (or the Browser Exam Key) to the exam settings.
"""

from __future__ import annotations

import plistlib

from django.http import HttpRequest
from django.urls import reverse

from exercises.models import Assessment


def seb_settings(*, request: HttpRequest, assessment: Assessment) -> dict[str, object]:
    start = request.build_absolute_uri(reverse("exercises:course", kwargs={"slug": assessment.course.slug}))
    logout = request.build_absolute_uri(reverse("login"))
    return {
        "startURL": start,
        "sendBrowserExamKey": True,
        "examSessionClearCookiesOnStart": True,
        "allowQuit": True,
        "quitURL": logout,
        "browserViewMode": 1,  # full screen
        "allowSpellCheck": False,
        "allowDictionaryLookup": False,
        "URLFilterEnable": False,
    }


def seb_file(*, request: HttpRequest, assessment: Assessment) -> bytes:
    return plistlib.dumps(seb_settings(request=request, assessment=assessment), fmt=plistlib.FMT_XML, sort_keys=True)


def seb_filename(assessment: Assessment) -> str:
    return f"{assessment.course.slug}-{assessment.slug}.seb"
