"""Headless Chromium (Debian's) driven by Playwright, and axe-core from the npm registry."""

import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

CHROMIUM = Path("/usr/bin/chromium")
AXE_VERSION = "4.14.1"
AXE_CACHE = Path.home() / ".cache" / "coffee-copilot" / f"axe-core-{AXE_VERSION}.min.js"
ARTIFACTS = Path(__file__).parents[1] / "artifacts"
# Chromium as root in a sandbox, with its background calls home switched off.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Module-scoped: Playwright's sync API runs an event loop of its own while it is open,
    and the async tests of other modules need the thread's loop to themselves."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(scope="session")
def axe_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if AXE_CACHE.exists():
        return AXE_CACHE
    npm = shutil.which("npm")
    if npm is None:
        pytest.skip("npm is needed to fetch axe-core")
    folder = tmp_path_factory.mktemp("axe")
    subprocess.run(
        [npm, "pack", f"axe-core@{AXE_VERSION}", "--pack-destination", str(folder)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    [tarball] = folder.glob("axe-core-*.tgz")
    with tarfile.open(tarball) as archive:
        member = archive.extractfile("package/axe.min.js")
        assert member is not None
        AXE_CACHE.parent.mkdir(parents=True, exist_ok=True)
        AXE_CACHE.write_bytes(member.read())
    return AXE_CACHE


class Widget:
    """The widget on a page, reached through its (open) shadow root."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @property
    def launcher(self) -> Locator:
        return self.page.locator("coffee-copilot").locator("button.launcher")

    @property
    def panel(self) -> Locator:
        return self.page.locator("coffee-copilot").locator(".panel")

    @property
    def input(self) -> Locator:
        return self.panel.locator("textarea")

    def open(self) -> None:
        self.launcher.click()
        self.input.wait_for(state="visible")

    def ask(self, message: str) -> Locator:
        """Send a message; the last answer, once the assistant has finished it."""
        answers = self.panel.locator(".message.assistant")
        before = answers.count()
        self.input.fill(message)
        self.input.press("Enter")
        answer = answers.nth(before)
        try:
            answer.wait_for(state="attached", timeout=30_000)
            self.page.wait_for_function(
                "n => { const host = document.querySelector('coffee-copilot');"
                " const all = host.shadowRoot.querySelectorAll('.message.assistant');"
                " return all.length > n && !all[n].hasAttribute('aria-busy'); }",
                arg=before,
                timeout=30_000,
            )
        except PlaywrightTimeout as exc:
            raise AssertionError(
                f"no finished answer; the chat shows:\n{self.panel.inner_text()}"
            ) from exc
        return answer
