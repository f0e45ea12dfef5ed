"""The web pages: citizen portal (/), agent console (/agent), work orders (/orders), FAQ desk (/editor), admin (/admin).

Server-rendered Jinja2 shells plus a little vanilla JavaScript (api/static/js) that calls the
JSON API, so every page goes through the same routes, checks and logs as any other client.

Keys and CSRF: the staff pages never receive a key from the server and set no cookie. The
sign-in page (/agent/signin, /editor/signin, /admin/signin) checks the pasted key with
GET /v1/whoami and keeps it in the tab's sessionStorage; the scripts send it as the X-API-Key
header. A browser attaches cookies to cross-site requests but never a custom header (and a
cross-origin request with one needs a CORS preflight the service does not grant), so a forged
request from another site arrives without credentials and is refused with 401: there is no
ambient authority to ride on, hence no CSRF token. What protects the key in sessionStorage is
that no script but our own runs on the page: every value is inserted as text (textContent,
never innerHTML), and the Content-Security-Policy below allows scripts from this origin only,
no inline script, no eval, and no framing. See docs/pages.md.
"""

import hashlib
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import Scope

from assistant.text_fields import MAX_QUESTION_CHARS

HERE = Path(__file__).resolve().parent
TEMPLATES = Jinja2Templates(directory=HERE / "templates")  # autoescape on for .html
STATIC_DIR = HERE / "static"

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), clipboard-write=(self)",
    "Cache-Control": "no-store",
}
# Who may enter each staff area (the API checks the same roles on every call).
AREAS = {
    "agent": {"role": "agent", "name": "坐席工作台", "path": "/agent"},
    "orders": {"role": "agent", "name": "工单办理", "path": "/orders"},
    "editor": {"role": "editor", "name": "FAQ 编辑台", "path": "/editor"},
    "admin": {"role": "admin", "name": "系统管理", "path": "/admin"},
}


def _asset_version() -> str:
    """Changes whenever a static file changes, so browsers never run a stale script."""
    digest = hashlib.sha256()
    for path in sorted(STATIC_DIR.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(STATIC_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


ASSET_VERSION = _asset_version()
router = APIRouter(include_in_schema=False)


def render(request: Request, template: str, **context) -> HTMLResponse:
    response = TEMPLATES.TemplateResponse(request, template, {"v": ASSET_VERSION, "areas": AREAS, **context})
    response.headers.update(SECURITY_HEADERS)
    return response


class StaticAssets(StaticFiles):
    """Static files with nosniff and a long cache (URLs carry ?v=<content hash>)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers["X-Content-Type-Options"] = "nosniff"
        # Only URLs carrying ?v=<content hash> may be cached blind: modules that an entry module
        # imports are fetched without it, and are revalidated (304 when unchanged) so a deploy
        # never runs a new entry against yesterday's imports.
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["Cache-Control"] = "public, max-age=86400" if versioned else "no-cache"
        return response


def static_files() -> StaticAssets:
    return StaticAssets(directory=STATIC_DIR)


@router.get("/", response_class=HTMLResponse)
def portal(request: Request) -> HTMLResponse:
    settings = request.app.state.hotline.settings
    return render(request, "portal.html", page="portal", max_question_chars=MAX_QUESTION_CHARS,
                  online_url=settings.portal_online_url)


@router.get("/agent", response_class=HTMLResponse)
def agent(request: Request) -> HTMLResponse:
    return render(request, "agent.html", page="agent", area=AREAS["agent"], area_id="agent",
                  settle_seconds=request.app.state.hotline.settings.agent_settle_seconds)


@router.get("/editor", response_class=HTMLResponse)
def editor(request: Request) -> HTMLResponse:
    return render(request, "editor.html", page="editor", area=AREAS["editor"], area_id="editor")


@router.get("/admin", response_class=HTMLResponse)
def admin(request: Request) -> HTMLResponse:
    return render(request, "admin.html", page="admin", area=AREAS["admin"], area_id="admin")


@router.get("/orders", response_class=HTMLResponse)
def orders(request: Request) -> HTMLResponse:
    return render(request, "orders.html", page="orders", area=AREAS["orders"], area_id="orders")


@router.get("/{area_id}/signin", response_class=HTMLResponse)
def signin(request: Request, area_id: str) -> Response:
    if area_id not in AREAS:
        return RedirectResponse("/", status_code=303)
    return render(request, "signin.html", page="signin", area=AREAS[area_id], area_id=area_id)


@router.get("/favicon.ico")
def favicon() -> RedirectResponse:
    return RedirectResponse(f"/static/img/favicon.svg?v={ASSET_VERSION}", status_code=301)
