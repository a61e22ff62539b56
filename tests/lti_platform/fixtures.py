"""Fixtures and helpers for the LTI tests: the test platform (tests/lti_platform/server.py) as a
real process on loopback, registered with the tool, and a launch driven through it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "quiz-tool"
DEPLOYMENT_ID = "deploy-1"
CONTEXT = "dl-101"
MEMBERS = [
    {
        "user_id": "lms-anna",
        "name": "Anna Ek",
        "given_name": "Anna",
        "family_name": "Ek",
        "email": "anna@uni.example",
        "roles": ["Learner"],
    },
    {
        "user_id": "lms-bo",
        "name": "Bo Ås",
        "given_name": "Bo",
        "family_name": "Ås",
        "email": "bo@uni.example",
        "roles": ["Learner"],
    },
    {
        "user_id": "lms-cia",
        "name": "Cia Öst",
        "given_name": "Cia",
        "family_name": "Öst",
        "email": "cia@uni.example",
        "roles": ["Learner"],
    },
    {
        "user_id": "lms-tina",
        "name": "Tina Lärare",
        "given_name": "Tina",
        "family_name": "Lärare",
        "email": "tina@uni.example",
        "roles": ["Instructor"],
    },
    {
        "user_id": "lms-ta",
        "name": "Ted Assistent",
        "given_name": "Ted",
        "family_name": "Assistent",
        "roles": ["TeachingAssistant"],
    },
    {"user_id": "lms-dev", "name": "Dev Eloper", "roles": ["ContentDeveloper"]},
    {"user_id": "lms-none", "name": "No Role", "roles": []},
]


def _free_port(lo: int = 8150, hi: int = 8199) -> int:
    for port in range(lo, hi + 1):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port in 8150-8199")


def new_key_pem() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class LMS:
    base: str
    key_pem: bytes
    proc: subprocess.Popen

    @property
    def issuer(self) -> str:
        return self.base

    def admin(self, what: str, data: dict) -> dict:
        r = requests.post(f"{self.base}/_admin/{what}", json=data, timeout=10)
        r.raise_for_status()
        return r.json()

    def gradebook(self, context: str = CONTEXT) -> dict:
        return requests.get(f"{self.base}/ctx/{context}/gradebook.json", timeout=10).json()

    def scores_of(self, user_id: str, context: str = CONTEXT) -> list[dict]:
        book = self.gradebook(context)
        return [dict(s[user_id], lineitem=li) for li, s in book["scores"].items() if user_id in s]

    def log(self) -> list[dict]:
        return requests.get(f"{self.base}/_admin/log", timeout=10).json()

    def reset(self, tool_base: str, context: str = CONTEXT, members: list | None = None) -> None:
        """Register the tool at ``tool_base`` and make a fresh course with its members."""
        self.admin(
            "tool",
            {
                "client_id": CLIENT_ID,
                "deployment_id": DEPLOYMENT_ID,
                "login_url": f"{tool_base}/lti/login/",
                "launch_url": f"{tool_base}/lti/launch/",
                "jwks_url": f"{tool_base}/lti/jwks/",
            },
        )
        self.admin("context", {"id": context, "title": "Djupinlärning HT26", "members": members or MEMBERS})


@pytest.fixture(scope="session")
def lms(tmp_path_factory) -> Iterator[LMS]:
    """The test platform as its own process on loopback."""
    folder = tmp_path_factory.mktemp("lms")
    key = new_key_pem()
    (folder / "platform.pem").write_bytes(key)
    port = _free_port()
    log = open(ROOT / "var" / "log" / "test-lms.log", "w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.lti_platform.server", "--port", str(port), "--key", str(folder / "platform.pem")],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            requests.get(base + "/jwks", timeout=1).raise_for_status()
            break
        except requests.RequestException:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the test LMS did not start; see var/log/test-lms.log")
            time.sleep(0.1)
    yield LMS(base=base, key_pem=key, proc=proc)
    proc.terminate()
    proc.wait(timeout=10)
    log.close()


def tool_known(lms: LMS, tool: str, jwks_base: str) -> None:
    """The LMS reset and told the tool's pages (as its browser reaches them, ``tool``) and its
    JWKS (where the LMS's own process fetches it, ``jwks_base``), as an admin pastes them in."""
    lms.reset(tool)
    lms.admin(
        "tool",
        {
            "client_id": CLIENT_ID,
            "deployment_id": DEPLOYMENT_ID,
            "login_url": f"{tool}/lti/login/",
            "launch_url": f"{tool}/lti/launch/",
            "jwks_url": f"{jwks_base}/lti/jwks/",
        },
    )


def register(lms: LMS, course_slug: str = "kunskapskontroll-2"):
    """Register the test platform with the tool, as `manage.py lti_platform add` does."""
    from exercises.models import Course
    from lti.services import platform_register

    return platform_register(
        issuer=lms.issuer,
        client_id=CLIENT_ID,
        deployment_id=DEPLOYMENT_ID,
        login_url=f"{lms.base}/auth",
        token_url=f"{lms.base}/token",
        jwks_url=f"{lms.base}/jwks",
        course=Course.objects.get(slug=course_slug),
        name="Test LMS",
    )


def form_fields(page: str) -> dict[str, str]:
    return {m[0]: unescape(m[1]) for m in re.findall(r"name=(\w+) value='([^']*)'", page)}


@dataclass
class Login:
    """What the tool's /lti/login/ answered: where it sends the browser, with state and nonce."""

    location: str
    state: str
    nonce: str


def tool_login(client, url: str) -> Login:
    parts = urlsplit(url)
    r = client.get(parts.path + "?" + parts.query)
    assert r.status_code == 302, r.content[:500]
    q = {k: v[0] for k, v in parse_qs(urlsplit(r["Location"]).query).items()}
    return Login(location=r["Location"], state=q["state"], nonce=q["nonce"])


def launch(client, lms: LMS, user_id: str, link: str | None = None, **extra):
    """A whole launch: the LMS starts the login, the tool redirects to the LMS's auth endpoint,
    the LMS posts the id_token back. Returns the tool's answer to the id_token POST."""
    data = {"client_id": CLIENT_ID, "user_id": user_id, "context_id": CONTEXT, "resource_link_id": link, **extra}
    url = lms.admin("launch", data)["url"]
    login = tool_login(client, url)
    auth = requests.get(login.location, timeout=10)
    assert auth.status_code == 200, auth.text
    fields = form_fields(auth.text)
    return client.post("/lti/launch/", {"id_token": fields["id_token"], "state": fields["state"]})
