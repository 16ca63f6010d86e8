"""Browser tests: Playwright driving Debian's Chromium against the live test server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls made by the test
# itself (factories) are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path(os.environ.get("CASEBRIDGE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


#: Reported by every page, in the console, whenever the Content-Security-Policy blocks
#: something (Playwright's init scripts are not subject to the page's policy).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.violatedDirective +
                " blocked " + (event.blockedURI || "inline") +
                " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


class WatchedBrowser:
    """The browser, whose every context records Content-Security-Policy violations (console)
    and requests to any other host than the live server's."""

    def __init__(self, browser: object) -> None:
        self._browser = browser
        self.violations: list[str] = []
        self.outside: list[str] = []
        #: Other origins a test visits on purpose (an identity provider it runs itself).
        self.also_allowed: set[str] = set()

    def new_context(self, **options: object) -> object:
        context = self._browser.new_context(**options)  # type: ignore[attr-defined]
        origin = str(options.get("base_url", "")).rstrip("/")
        context.add_init_script(REPORT_VIOLATIONS)
        context.on("console", self._console)
        context.on("request", lambda request: self._request(origin, request))
        return context

    def _console(self, message: object) -> None:
        text = message.text  # type: ignore[attr-defined]
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.violations.append(text)

    def _request(self, origin: str, request: object) -> None:
        url = request.url  # type: ignore[attr-defined]
        allowed = (origin + "/", "data:", "blob:", *(o + "/" for o in self.also_allowed))
        if origin and not url.startswith(allowed):
            self.outside.append(url)

    def __getattr__(self, name: str) -> object:
        return getattr(self._browser, name)


@pytest.fixture(autouse=True)
def no_policy_violations(browser: WatchedBrowser) -> Iterator[None]:
    """No browser test may see the Content-Security-Policy block anything, or a page reach
    outside the server (a closed network has no CDN)."""
    browser.violations.clear()
    browser.outside.clear()
    browser.also_allowed.clear()
    yield
    assert browser.violations == []
    assert browser.outside == []


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: install Debian's chromium package"
        if os.environ.get("CASEBRIDGE_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        yield WatchedBrowser(instance)
        instance.close()


@pytest.fixture
def page(browser, live_server) -> Iterator[object]:
    context = browser.new_context(base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()
