"""Debian's headless Chromium driven by selenium through /usr/bin/chromedriver.

Nothing downloads a browser: ``tools/install-browser`` installs Debian's
``chromium`` and ``chromium-driver``. Every wait is on a real condition (an
element, a value in the page), never a fixed sleep; pages of things in
progress reload themselves, so a wait survives reloads. Screenshots go to
the test's artifacts directory.
"""

from __future__ import annotations

import contextlib
import pathlib
import re
import tempfile
import time

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
#: the reference notes' flags: no first-run, no background traffic, no GPU
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1500,1100",
)


def missing() -> str | None:
    """Why the browser cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not pathlib.Path(path).exists():
            return f"{path} is missing (tools/install-browser installs Debian's chromium and chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed in this venv (tools/bootstrap installs it)"
    return None


class Browser:
    def __init__(self, base_url: str, shots: pathlib.Path, timeout: float = 180):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.base_url = base_url.rstrip("/")
        self.shots = shots
        self.shots.mkdir(parents=True, exist_ok=True)
        self.timeout = timeout
        self._profile = tempfile.TemporaryDirectory(prefix="vmove-chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={self._profile.name}")
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(120)
        self._shot = 0

    def close(self):
        with contextlib.suppress(Exception):
            self.driver.quit()
        self._profile.cleanup()

    # ------------------------------------------------------------ pages
    def go(self, path: str):
        self.driver.get(self.base_url + path)

    @property
    def path(self) -> str:
        return re.sub(r"^https?://[^/]+", "", self.driver.current_url)

    def login(self, user: str, password: str):
        """Log out whoever is logged in, log ``user`` in; wait for the page after the login.

        The page is left first (about:blank ends its scripts and the row refreshes under way), then every
        cookie of the browser is dropped: a row refresh answered after the cookies were cleared on the page
        itself set the session cookie again, and the login page then went on to the logged-in user's."""
        self.driver.get("about:blank")
        self.driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
        self.go("/auth/login/")
        self.find("#id_username").send_keys(user)
        self.find("#id_password").send_keys(password)
        self.find("#loginBtn").click()
        self.wait(lambda: "/auth/login" not in self.path, f"{user} logged in")
        self.wait_for(".user-name")

    def screenshot(self, name: str) -> pathlib.Path:
        self._shot += 1
        path = self.shots / f"{self._shot:02d}-{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    # ------------------------------------------------------------ elements
    def find(self, css: str):
        return self.wait_for(css)

    def find_all(self, css: str):
        from selenium.webdriver.common.by import By

        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def wait(self, condition, what: str, timeout: float | None = None):
        """Wait until ``condition()`` is true (page reloads and stale elements are retried)."""
        from selenium.common.exceptions import WebDriverException

        deadline = time.monotonic() + (timeout or self.timeout)
        last = None
        while time.monotonic() < deadline:
            try:
                result = condition()
            except WebDriverException as e:  # the page reloaded under us (stale element, no context): again
                result, last = None, e.msg or type(e).__name__
            if result:
                return result
            time.sleep(0.25)  # poll interval of the condition, not a wait for time to pass
        self.screenshot("timeout")
        raise AssertionError(f"waited {timeout or self.timeout:.0f}s for {what}; last error {last}; page {self.path}")

    def wait_for(self, css: str, timeout: float | None = None):
        """The first visible element matching ``css``, once there is one."""

        def visible():
            found = [e for e in self.find_all(css) if e.is_displayed()]
            return found[0] if found else None

        return self.wait(visible, f"element {css}", timeout)

    def attribute(self, css: str, name: str) -> str | None:
        found = self.find_all(css)
        return found[0].get_attribute(name) if found else None

    def wait_attribute(self, css: str, name: str, values, timeout: float | None = None) -> str:
        """Wait until ``css``'s attribute ``name`` is one of ``values`` (the page may reload meanwhile)."""
        return self.wait(
            lambda: (v := self.attribute(css, name)) in values and v, f"{css}[{name}] in {values}", timeout
        )

    def text(self, css: str) -> str:
        return self.find(css).text

    def click(self, css: str):
        """Click the first visible ``css``; a toast in the way (Horizon's messages) is closed first."""
        from selenium.common.exceptions import ElementClickInterceptedException

        def clicked():
            element = self.find(css)
            self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
            try:
                element.click()
            except ElementClickInterceptedException:
                self.dismiss_messages()
                return False
            return True

        self.wait(clicked, f"a click on {css}")

    def dismiss_messages(self):
        for close in self.find_all(".messages .alert a.close"):
            if close.is_displayed():
                close.click()

    def press(self, value: str, scope: str = ""):
        """Click the table action button whose value is ``value`` (``<table>__<action>__<id>``),
        opening the actions dropdown it may be in first."""
        from selenium.webdriver.common.by import By

        css = f"{scope} button[value='{value}']".strip()
        button = self.wait(lambda: (self.find_all(css) or [None])[0], f"action {value}")
        if not button.is_displayed():
            group = button.find_element(By.XPATH, "./ancestor::*[contains(@class, 'btn-group')][1]")
            group_id = self.driver.execute_script(
                "arguments[0].id = arguments[0].id || 'vmove-group-' + Date.now(); return arguments[0].id;", group
            )
            self.click(f"#{group_id} .dropdown-toggle")
        self.click(css)

    def fill(self, css: str, value: str):
        element = self.find(css)
        element.clear()
        element.send_keys(value)

    def select(self, name: str, value: str, scope: str = ""):
        """Choose ``value`` in the <select name=...> (Horizon's themable selects hide the real one)."""
        select = self.find_all(f"{scope} select[name='{name}']".strip())
        assert select, f"no select named {name}"
        self.driver.execute_script(
            "arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('change', {bubbles: true}));",
            select[0],
            value,
        )
        assert select[0].get_attribute("value") == value, f"{value} is not an option of {name}"

    def confirm(self):
        """Press the confirmation dialog's button (Horizon's batch actions ask first)."""
        self.click(".modal-footer .btn-danger, .modal-footer .btn-primary")
        self.wait(lambda: not self.find_all(".modal.in, .modal-backdrop"), "the dialog to close")

    def modal_submit(self):
        self.click(".modal-footer input[type=submit], .modal-footer button[type=submit]")

    def has(self, css: str) -> bool:
        return any(e.is_displayed() for e in self.find_all(css))
