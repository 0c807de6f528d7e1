"""Pages for people: the coordinator page at `/` and the interactive API docs, all served from
api/static and api/templates so they work without internet access.

The coordinator page runs under the strict Content-Security-Policy (api/middleware.py); the docs
pages carry their own, allowing their one inline script by hash and the inline styles their
renderers inject."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from api.middleware import page_csp
from engine.facts import vocabulary_document
from engine.messages import catalogue

router = APIRouter(include_in_schema=False)

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"


@cache
def _page(name: str) -> str:
    return (TEMPLATES / name).read_text(encoding="utf-8")


@cache
def _coordinator_page() -> str:
    """index.html with the fact vocabulary and the page's words (engine/messages.yaml) in it:
    the page builds its form and its texts from them (api/static/page.js)."""
    words = {
        k: v
        for k, v in catalogue().items()
        if k.startswith(("page.", "ui.", "status.", "outcome.", "explain.y", "explain.n"))
    }
    data = json.dumps({"facts": vocabulary_document(), "messages": words}, ensure_ascii=False)
    return _page("index.html").replace("{{PAGE_DATA}}", data.replace("</", "<\\/"))


@router.get("/", response_class=HTMLResponse)
async def coordinator_page() -> HTMLResponse:
    return HTMLResponse(_coordinator_page())


@router.get("/docs", response_class=HTMLResponse)
async def swagger_ui() -> HTMLResponse:
    page = get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="vincula API — Swagger UI",
        swagger_js_url="/static/swagger-ui-bundle.js",
        swagger_css_url="/static/swagger-ui.css",
        swagger_favicon_url="/static/favicon.png",
        swagger_ui_parameters={"validatorUrl": None, "defaultModelsExpandDepth": 0},
    )
    page.headers["content-security-policy"] = page_csp(bytes(page.body).decode(), inline_styles=True)
    return page


@router.get("/redoc", response_class=HTMLResponse)
async def redoc() -> HTMLResponse:
    page = get_redoc_html(
        openapi_url="/openapi.json",
        title="vincula API — ReDoc",
        redoc_js_url="/static/redoc.standalone.js",
        redoc_favicon_url="/static/favicon.png",
        with_google_fonts=False,
    )
    page.headers["content-security-policy"] = page_csp(
        bytes(page.body).decode(), inline_styles=True, workers=True
    )
    return page
