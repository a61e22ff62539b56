"""A small but real LTI 1.3 platform (an LMS stand-in) for the tests, run as its own process.

    python -m tests.lti_platform.server --port 8150 --key platform.pem

It speaks the spec with real RS256 keys: a JWKS endpoint, the OIDC authorization endpoint of a
launch (resource link and deep linking), an OAuth2 client-credentials token endpoint that verifies
the tool's signed JWT client assertion against the tool's JWKS URL, AGS line items and scores (a
gradebook as HTML and JSON), NRPS memberships with paging (Link rel="next"), a deep linking
return endpoint, and a course page that frames the tool in an iframe.

State lives in memory. ``/_admin/...`` endpoints let a test set up tools, courses and members.
Standard library, PyJWT and cryptography only.
"""

from __future__ import annotations

import argparse
import html
import json
import secrets
import threading
import time
import urllib.request
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import RSAAlgorithm

CLAIM = "https://purl.imsglobal.org/spec/lti/claim/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"
ROLE = {
    "Learner": "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
    "Instructor": "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
    "TeachingAssistant": "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
    "ContentDeveloper": "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
}
PAGE_SIZE = 2  # small, so that a roster of a few people needs several pages


class Platform:
    def __init__(self, base: str, key_pem: bytes) -> None:
        self.base = base
        self.issuer = base
        self.key = serialization.load_pem_private_key(key_pem, password=None)
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid="platform-1", alg="RS256", use="sig")
        self.jwks = {"keys": [jwk]}
        self.lock = threading.Lock()
        self.tools: dict[str, dict[str, Any]] = {}
        self.contexts: dict[str, dict[str, Any]] = {}
        self.hints: dict[str, dict[str, Any]] = {}
        self.tokens: dict[str, dict[str, Any]] = {}
        self.lineitem_seq = 0
        self.log: list[dict[str, Any]] = []

    # --- helpers ---------------------------------------------------------------------------------
    def sign(self, claims: dict[str, Any]) -> str:
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "platform-1"})

    def tool_jwks(self, client_id: str) -> dict[str, Any]:
        with urllib.request.urlopen(self.tools[client_id]["jwks_url"], timeout=10) as r:  # noqa: S310
            return json.load(r)

    def verify_tool_jwt(self, token: str, client_id: str, audience: str) -> dict[str, Any]:
        """Check a JWT the tool signed: its kid must be in the tool's JWKS (fetched now)."""
        kid = jwt.get_unverified_header(token).get("kid")
        for key in self.tool_jwks(client_id)["keys"]:
            if key.get("kid") == kid:
                public = RSAAlgorithm.from_jwk(json.dumps(key))
                return jwt.decode(
                    token, public, algorithms=["RS256"], audience=audience, options={"require": ["exp", "iat"]}
                )
        raise jwt.InvalidTokenError(f"kid {kid} is not in the tool's JWKS")

    def context(self, ctx_id: str) -> dict[str, Any]:
        return self.contexts[ctx_id]

    def launch_claims(self, hint: dict[str, Any], nonce: str) -> dict[str, Any]:
        tool = self.tools[hint["client_id"]]
        ctx = self.context(hint["context_id"])
        member = next(m for m in ctx["members"] if m["user_id"] == hint["user_id"])
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": hint["client_id"],
            "azp": hint["client_id"],
            "sub": member["user_id"],
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": member.get("name", ""),
            "given_name": member.get("given_name", ""),
            "family_name": member.get("family_name", ""),
            "email": member.get("email", ""),
            CLAIM + "deployment_id": tool["deployment_id"],
            CLAIM + "version": "1.3.0",
            CLAIM + "roles": member["roles"],
            CLAIM + "context": {"id": ctx["id"], "title": ctx["title"], "type": ["CourseOffering"]},
            CLAIM + "target_link_uri": hint.get("target_link_uri") or tool["launch_url"],
            AGS + "claim/endpoint": {
                "scope": [AGS + "scope/lineitem", AGS + "scope/lineitem.readonly", AGS + "scope/score"],
                "lineitems": f"{self.base}/ctx/{ctx['id']}/lineitems",
            },
            NRPS + "claim/namesroleservice": {
                "context_memberships_url": f"{self.base}/ctx/{ctx['id']}/memberships",
                "service_versions": ["2.0"],
            },
        }
        if hint["message_type"] == "LtiDeepLinkingRequest":
            claims[CLAIM + "message_type"] = "LtiDeepLinkingRequest"
            claims[DL + "deep_linking_settings"] = {
                "deep_link_return_url": f"{self.base}/ctx/{ctx['id']}/deep_link_return",
                "accept_types": ["ltiResourceLink"],
                "accept_presentation_document_targets": ["iframe", "window"],
                "accept_multiple": True,
                "data": secrets.token_hex(8),
            }
        else:
            link = ctx["links"][hint["resource_link_id"]]
            claims[CLAIM + "message_type"] = "LtiResourceLinkRequest"
            claims[CLAIM + "resource_link"] = {"id": link["id"], "title": link["title"]}
            claims[CLAIM + "custom"] = link.get("custom", {})
            if link.get("lineitem"):
                claims[AGS + "claim/endpoint"]["lineitem"] = link["lineitem"]
        claims.update(hint.get("override") or {})
        return claims

    def login_initiation_url(self, hint_id: str) -> str:
        hint = self.hints[hint_id]
        tool = self.tools[hint["client_id"]]
        params = {
            "iss": self.issuer,
            "login_hint": hint["user_id"],
            "target_link_uri": tool["launch_url"],
            "lti_message_hint": hint_id,
            "client_id": hint["client_id"],
            "lti_deployment_id": tool["deployment_id"],
        }
        return tool["login_url"] + "?" + urlencode(params)

    def new_hint(self, **hint: Any) -> str:
        hint_id = secrets.token_urlsafe(12)
        self.hints[hint_id] = hint
        return hint_id


class Handler(BaseHTTPRequestHandler):
    platform: Platform
    server_version = "TestLMS/1.0"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    # --- plumbing --------------------------------------------------------------------------------
    def _send(self, status: int, body: Any, ctype: str = "application/json", headers: dict | None = None) -> None:
        data = body if isinstance(body, bytes) else (json.dumps(body) if ctype.endswith("json") else body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def _form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self._body().decode()).items()}

    def _bearer(self, scope: str) -> bool:
        token = (self.headers.get("Authorization") or "").removeprefix("Bearer ").strip()
        grant = self.platform.tokens.get(token)
        if not grant or grant["exp"] < time.time() or scope not in grant["scopes"]:
            self._send(401, {"error": "invalid_token"})
            return False
        return True

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def _route(self, method: str) -> None:
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        p = self.platform
        try:
            with p.lock:
                p.log.append({"method": method, "path": url.path, "at": time.time()})
            if parts == ["jwks"]:
                return self._send(200, p.jwks)
            if parts == ["auth"]:
                return self.auth(query)
            if parts == ["token"] and method == "POST":
                return self.token(self._form())
            if parts[:1] == ["_admin"] and method == "POST":
                return self.admin(parts[1], json.loads(self._body() or b"{}"))
            if parts[:1] == ["_admin"] and parts[1:] == ["log"]:
                return self._send(200, p.log)
            if len(parts) >= 3 and parts[0] == "ctx":
                return self.ctx(method, parts[1], parts[2:], query)
            self._send(404, {"error": "not found"})
        except KeyError as exc:
            self._send(404, {"error": f"unknown {exc}"})

    # --- OIDC, OAuth2 ----------------------------------------------------------------------------
    def auth(self, q: dict[str, str]) -> None:
        p = self.platform
        hint = p.hints.get(q.get("lti_message_hint", ""))
        tool = p.tools.get(q.get("client_id", ""))
        problems = []
        if q.get("scope") != "openid" or q.get("response_type") != "id_token":
            problems.append("scope/response_type")
        if q.get("response_mode") != "form_post" or q.get("prompt") != "none":
            problems.append("response_mode/prompt")
        if tool is None or hint is None or hint["client_id"] != q.get("client_id"):
            problems.append("unknown client or hint")
        elif q.get("redirect_uri") != tool["launch_url"]:
            problems.append("redirect_uri not registered")
        if hint and q.get("login_hint") != hint["user_id"]:
            problems.append("login_hint")
        if not q.get("nonce") or not q.get("state"):
            problems.append("nonce/state")
        if problems:
            return self._send(400, {"error": "invalid_request", "problems": problems})
        token = p.sign(p.launch_claims(hint, q["nonce"]))
        page = (
            "<!doctype html><html><body><form id=f method=post action='{}'>"
            "<input type=hidden name=id_token value='{}'><input type=hidden name=state value='{}'>"
            "<noscript><button>Continue</button></noscript></form>"
            "<script>document.getElementById('f').submit()</script></body></html>"
        ).format(html.escape(q["redirect_uri"]), html.escape(token), html.escape(q["state"]))
        self._send(200, page, "text/html; charset=utf-8")

    def token(self, form: dict[str, str]) -> None:
        p = self.platform
        if form.get("grant_type") != "client_credentials" or form.get("client_assertion_type") != (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        ):
            return self._send(400, {"error": "unsupported_grant_type"})
        assertion = form.get("client_assertion", "")
        try:
            client_id = jwt.decode(assertion, options={"verify_signature": False}).get("iss", "")
            if client_id not in p.tools:
                return self._send(401, {"error": "invalid_client"})
            claims = p.verify_tool_jwt(assertion, client_id, audience=f"{p.base}/token")
            if claims.get("sub") != client_id or not claims.get("jti"):
                raise jwt.InvalidTokenError("sub/jti")
        except jwt.PyJWTError as exc:
            return self._send(401, {"error": "invalid_client", "error_description": str(exc)})
        kid = jwt.get_unverified_header(assertion).get("kid")
        token = secrets.token_urlsafe(24)
        scopes = form.get("scope", "").split()
        with p.lock:
            p.tokens[token] = {"client_id": client_id, "scopes": scopes, "exp": time.time() + 3600, "kid": kid}
        self._send(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": " ".join(scopes)})

    # --- test set-up -----------------------------------------------------------------------------
    def admin(self, what: str, data: dict[str, Any]) -> None:
        p = self.platform
        with p.lock:
            if what == "tool":
                p.tools[data["client_id"]] = data
                return self._send(200, {"ok": True})
            if what == "context":
                p.contexts[data["id"]] = {
                    "id": data["id"],
                    "title": data.get("title", data["id"]),
                    "members": [self._member(m) for m in data.get("members", [])],
                    "links": {},
                    "lineitems": {},
                    "scores": {},
                    "deep_links": 0,
                }
                return self._send(200, {"ok": True})
            if what == "members":  # replace the roster
                p.contexts[data["context_id"]]["members"] = [self._member(m) for m in data["members"]]
                return self._send(200, {"ok": True})
            if what == "link":  # a link made by hand in the LMS (not by deep linking)
                ctx = p.contexts[data["context_id"]]
                ctx["links"][data["id"]] = {
                    "id": data["id"],
                    "title": data.get("title", data["id"]),
                    "custom": data.get("custom", {}),
                }
                return self._send(200, {"ok": True})
            if what == "launch":
                hint_id = p.new_hint(
                    client_id=data["client_id"],
                    user_id=data["user_id"],
                    context_id=data["context_id"],
                    message_type=data.get("message_type", "LtiResourceLinkRequest"),
                    resource_link_id=data.get("resource_link_id"),
                    target_link_uri=data.get("target_link_uri"),
                    override=data.get("override"),
                )
                return self._send(200, {"url": p.login_initiation_url(hint_id), "hint": hint_id})
        self._send(404, {"error": "unknown admin action"})

    @staticmethod
    def _member(m: dict[str, Any]) -> dict[str, Any]:
        roles = [ROLE.get(r, r) for r in m.get("roles", ["Learner"])]
        return {**m, "roles": roles, "status": m.get("status", "Active")}

    # --- course services -------------------------------------------------------------------------
    def ctx(self, method: str, ctx_id: str, rest: list[str], q: dict[str, str]) -> None:
        p = self.platform
        ctx = p.context(ctx_id)
        base = f"{p.base}/ctx/{ctx_id}"
        if rest == ["memberships"]:
            if not self._bearer(NRPS + "scope/contextmembership.readonly"):
                return
            page = int(q.get("page", "0"))
            members = ctx["members"]
            chunk = members[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
            headers = {}
            if (page + 1) * PAGE_SIZE < len(members):
                headers["Link"] = f'<{base}/memberships?page={page + 1}>; rel="next"'
            body = {
                "id": f"{base}/memberships",
                "context": {"id": ctx_id, "title": ctx["title"]},
                "members": [
                    {
                        k: m[k]
                        for k in ("user_id", "name", "given_name", "family_name", "email", "roles", "status")
                        if k in m
                    }
                    for m in chunk
                ],
            }
            return self._send(200, body, "application/vnd.ims.lti-nrps.v2.membershipcontainer+json", headers)
        if rest == ["lineitems"] and method == "GET":
            if not self._bearer(AGS + "scope/lineitem.readonly"):
                return
            items = list(ctx["lineitems"].values())
            for param, field in (("resource_id", "resourceId"), ("resource_link_id", "resourceLinkId"), ("tag", "tag")):
                if param in q:
                    items = [i for i in items if i.get(field) == q[param]]
            return self._send(200, items, "application/vnd.ims.lis.v2.lineitemcontainer+json")
        if rest == ["lineitems"] and method == "POST":
            if not self._bearer(AGS + "scope/lineitem"):
                return
            data = json.loads(self._body())
            if (
                not data.get("label")
                or not isinstance(data.get("scoreMaximum"), int | float)
                or data["scoreMaximum"] <= 0
            ):
                return self._send(400, {"error": "label and a positive scoreMaximum are required"})
            with p.lock:
                item = self._lineitem_create(ctx, data)
            return self._send(201, item, "application/vnd.ims.lis.v2.lineitem+json")
        if len(rest) == 2 and rest[0] == "lineitems" and method == "GET":
            if not self._bearer(AGS + "scope/lineitem.readonly"):
                return
            return self._send(200, ctx["lineitems"][f"{base}/lineitems/{rest[1]}"])
        if len(rest) == 3 and rest[0] == "lineitems" and rest[2] == "scores" and method == "POST":
            if not self._bearer(AGS + "scope/score"):
                return
            return self.score(ctx, f"{base}/lineitems/{rest[1]}", json.loads(self._body()))
        if rest == ["gradebook.json"]:
            return self._send(200, self._gradebook(ctx))
        if rest == ["gradebook"]:
            return self._send(200, self._gradebook_html(ctx), "text/html; charset=utf-8")
        if rest == ["deep_link_return"] and method == "POST":
            return self.deep_link_return(ctx, self._form())
        if rest == ["course"]:
            return self.course_page(ctx, q)
        self._send(404, {"error": "not found"})

    def _lineitem_create(self, ctx: dict[str, Any], data: dict[str, Any]) -> dict[str, Any]:
        p = self.platform
        p.lineitem_seq += 1
        url = f"{p.base}/ctx/{ctx['id']}/lineitems/{p.lineitem_seq}"
        item = {
            "id": url,
            **{k: data[k] for k in ("label", "scoreMaximum", "resourceId", "resourceLinkId", "tag") if k in data},
        }
        ctx["lineitems"][url] = item
        ctx["scores"][url] = {}
        return item

    def score(self, ctx: dict[str, Any], lineitem: str, data: dict[str, Any]) -> None:
        required = ("userId", "activityProgress", "gradingProgress", "timestamp")
        if any(k not in data for k in required) or lineitem not in ctx["lineitems"]:
            return self._send(400, {"error": f"a score needs {required} on a known line item"})
        if "scoreGiven" in data and "scoreMaximum" not in data:
            return self._send(400, {"error": "scoreGiven needs scoreMaximum"})
        stamp = datetime.fromisoformat(data["timestamp"])
        with self.platform.lock:
            scores = ctx["scores"][lineitem]
            old = scores.get(data["userId"])
            if old and datetime.fromisoformat(old["timestamp"]) > stamp:
                return self._send(409, {"error": "an older score than the one on record"})
            scores[data["userId"]] = {**data, "received_at": time.time()}
        self._send(204, b"", "text/plain")

    def _gradebook(self, ctx: dict[str, Any]) -> dict[str, Any]:
        return {
            "lineitems": list(ctx["lineitems"].values()),
            "scores": {li: dict(s) for li, s in ctx["scores"].items()},
            "links": list(ctx["links"].values()),
        }

    def _gradebook_html(self, ctx: dict[str, Any]) -> str:
        items = list(ctx["lineitems"].values())
        head = "".join(f"<th>{html.escape(i['label'])} ({i['scoreMaximum']})</th>" for i in items)
        rows = []
        for m in ctx["members"]:
            cells = []
            for i in items:
                s = ctx["scores"][i["id"]].get(m["user_id"])
                text = (
                    ""
                    if s is None
                    else (f"{s.get('scoreGiven', '–')} / {s.get('scoreMaximum', '')} ({s['gradingProgress']})")
                )
                cells.append(
                    f"<td data-lineitem='{html.escape(i['id'])}' data-user='{html.escape(m['user_id'])}'>{html.escape(text)}</td>"
                )
            rows.append(f"<tr><th>{html.escape(m.get('name', m['user_id']))}</th>{''.join(cells)}</tr>")
        return (
            f"<!doctype html><title>Gradebook</title><h1>Gradebook: {html.escape(ctx['title'])}</h1>"
            f"<table id=gradebook><tr><th>Student</th>{head}</tr>{''.join(rows)}</table>"
        )

    def deep_link_return(self, ctx: dict[str, Any], form: dict[str, str]) -> None:
        p = self.platform
        token = form.get("JWT", "")
        try:
            client_id = jwt.decode(token, options={"verify_signature": False}).get("iss", "")
            claims = p.verify_tool_jwt(token, client_id, audience=p.issuer)
        except (jwt.PyJWTError, KeyError) as exc:
            return self._send(400, {"error": f"bad deep linking response: {exc}"})
        if claims.get(CLAIM + "message_type") != "LtiDeepLinkingResponse":
            return self._send(400, {"error": "not a deep linking response"})
        if claims.get(CLAIM + "deployment_id") != p.tools[client_id]["deployment_id"]:
            return self._send(400, {"error": "wrong deployment"})
        made = []
        with p.lock:
            for content in claims.get(DL + "content_items") or []:
                if content.get("type") != "ltiResourceLink":
                    continue
                ctx["deep_links"] += 1
                link_id = f"dl-{ctx['deep_links']}-{secrets.token_hex(3)}"
                link = {
                    "id": link_id,
                    "title": content.get("title", ""),
                    "url": content.get("url"),
                    "custom": content.get("custom", {}),
                }
                if content.get("lineItem"):
                    data = {**content["lineItem"], "resourceLinkId": link_id}
                    data.setdefault("label", link["title"])
                    link["lineitem"] = self._lineitem_create(ctx, data)["id"]
                ctx["links"][link_id] = link
                made.append(link)
        self._send(
            200, f"<!doctype html><h1>Links added</h1><pre id=links>{html.escape(json.dumps(made))}</pre>", "text/html"
        )

    def course_page(self, ctx: dict[str, Any], q: dict[str, str]) -> None:
        """The LMS's course page for one user: it frames the tool, launched on one link."""
        p = self.platform
        member = next(m for m in ctx["members"] if m["user_id"] == q["user"])
        client_id = q.get("client_id") or next(iter(p.tools))
        hint = p.new_hint(
            client_id=client_id,
            user_id=member["user_id"],
            context_id=ctx["id"],
            message_type="LtiResourceLinkRequest",
            resource_link_id=q["link"],
        )
        src = html.escape(p.login_initiation_url(hint))
        page = (
            f"<!doctype html><title>{html.escape(ctx['title'])}</title><h1>{html.escape(ctx['title'])}</h1>"
            f"<p>Signed in to the LMS as {html.escape(member.get('name', ''))}</p>"
            f"<iframe id=tool title=tool src='{src}' style='width:100%;height:900px' "
            "allow='clipboard-write'></iframe>"
        )
        self._send(200, page, "text/html; charset=utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--key", required=True, help="the platform's private key (PEM)")
    parser.add_argument("--base", help="public base URL (default http://HOST:PORT)")
    args = parser.parse_args()
    base = args.base or f"http://{args.host}:{args.port}"
    with open(args.key, "rb") as f:
        Handler.platform = Platform(base, f.read())
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    print(f"test LMS on {base}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
