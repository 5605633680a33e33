"""A real browser: `streamlit run app.py` opened in headless Chromium; the main chart must render.

Chromium is driven over the DevTools protocol (the ``websockets`` package comes with Streamlit):
``--dump-dom``/``--screenshot`` alone return before Streamlit has drawn anything, because the app
talks to its server over a websocket after the page "loads". We navigate, poll the DOM until a
Plotly chart has drawn its SVG, then take a screenshot and check it is not blank.

Needs Debian's ``chromium`` (``apt-get install -y chromium``). Without it the test is skipped
locally and FAILS in CI (``CI`` set), so a missing install step cannot pass silently.

Also a script: ``.venv/bin/python tests/test_browser.py docs/screenshots [scenario.yaml]`` takes
a screenshot of every page (building a rota and saving two plans on the way).
"""

from __future__ import annotations

import base64
import contextlib
import io
import itertools
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--remote-allow-origins=*",
]


def find_chromium() -> str | None:
    """Path of a Chromium/Chrome binary, or None."""
    for name in CHROMIUM_NAMES:
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_http(url: str, timeout_s: float, proc: subprocess.Popen | None = None) -> str:
    deadline = time.monotonic() + timeout_s
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode} before {url} answered")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.read().decode()
        except OSError as exc:
            last = exc
            time.sleep(0.3)
    raise TimeoutError(f"{url} did not answer in {timeout_s} s ({last})")


@contextlib.contextmanager
def streamlit_server(env: dict[str, str]) -> Iterator[str]:
    """Run ``streamlit run app.py`` on a free local port; yield its base URL."""
    port = free_port()
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                str(ROOT / "app.py"),
                "--server.headless",
                "true",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            _wait_http(f"http://127.0.0.1:{port}/_stcore/health", 60, proc)
            yield f"http://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


class Browser:
    """Minimal Chrome DevTools Protocol client: navigate, evaluate JavaScript, screenshot."""

    def __init__(self, binary: str, width: int = 1400, height: int = 900) -> None:
        from websockets.sync.client import connect

        self.profile = tempfile.TemporaryDirectory()
        self.proc = subprocess.Popen(
            [
                binary,
                *CHROMIUM_FLAGS,
                "--remote-debugging-port=0",
                f"--user-data-dir={self.profile.name}",
                f"--window-size={width},{height}",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,  # its own process group: close() ends its helpers too
        )
        self._stack = contextlib.ExitStack()
        try:
            port = self._devtools_port()
            # keep draining chromium's log so a full pipe can never block it
            threading.Thread(target=self._drain, daemon=True).start()
            targets = json.loads(_wait_http(f"http://127.0.0.1:{port}/json/list", 30))
            page = next(t for t in targets if t["type"] == "page")
            # entered as a context manager (websockets >= 17.1 warns otherwise), closed in close()
            self.ws = self._stack.enter_context(
                connect(page["webSocketDebuggerUrl"], max_size=64 * 1024 * 1024)
            )
            self.ids = itertools.count(1)
            self.call("Page.enable")
            self.call(
                "Emulation.setDeviceMetricsOverride",
                width=width,
                height=height,
                deviceScaleFactor=1,
                mobile=False,
            )
        except BaseException:
            self.close()  # never leave a headless chromium behind
            raise

    def _drain(self) -> None:
        stream = self.proc.stderr
        assert stream is not None
        with contextlib.suppress(Exception), stream:
            for _ in stream:
                pass

    def _devtools_port(self) -> int:
        deadline = time.monotonic() + 30
        assert self.proc.stderr is not None
        while time.monotonic() < deadline:
            line = self.proc.stderr.readline()
            match = re.search(r"DevTools listening on ws://[^:]+:(\d+)/", line)
            if match:
                return int(match.group(1))
            if not line and self.proc.poll() is not None:
                break
        raise RuntimeError("chromium did not start its DevTools server")

    def call(self, method: str, **params: object) -> dict:
        """Send one DevTools command and wait for its answer (events in between are dropped)."""
        ident = next(self.ids)
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv(timeout=120))
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str) -> object:
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result.get("result", {}).get("value")

    def goto(self, url: str) -> None:
        self.call("Page.navigate", url=url)

    def wait_for(self, expression: str, timeout_s: float = 120) -> object:
        """Poll a JavaScript expression until it is truthy; return its value."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            value = self.evaluate(expression)
            if value:
                return value
            time.sleep(0.5)
        raise TimeoutError(f"timed out waiting for: {expression}")

    def idle(self, timeout_s: float = 240) -> None:
        """Wait until Streamlit has finished running the script (no 'Running…' widget)."""
        time.sleep(1.0)
        self.wait_for(
            "!/Running|Stop/.test("
            "document.querySelector('[data-testid=stStatusWidget]')?.innerText || '')",
            timeout_s,
        )
        time.sleep(1.0)

    def click_button(self, text: str) -> None:
        found = self.evaluate(
            "(() => { const b = [...document.querySelectorAll('button')]"
            f".find(b => b.innerText.trim().startsWith({json.dumps(text)}));"
            " if (b) { b.click(); return true; } return false; })()"
        )
        if not found:
            raise RuntimeError(f"no button '{text}' on the page")

    def type_into(self, label: str, text: str) -> None:
        """Replace the text of the input labelled ``label`` and press Enter (as a person would)."""
        found = self.evaluate(
            f"(() => {{ const i = document.querySelector('input[aria-label={json.dumps(label)}]');"
            " if (!i) return false; i.focus(); i.select(); return true; })()"
        )
        if not found:
            raise RuntimeError(f"no input labelled '{label}' on the page")
        self.call("Input.insertText", text=text)
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                type=kind,
                key="Enter",
                code="Enter",
                windowsVirtualKeyCode=13,
            )

    def click_nav(self, title: str) -> None:
        found = self.evaluate(
            "(() => { const a = [...document.querySelectorAll('[data-testid=stSidebarNav] a')]"
            f".find(a => a.innerText.includes({json.dumps(title)}));"
            " if (a) { a.click(); return true; } return false; })()"
        )
        if not found:
            raise RuntimeError(f"no page '{title}' in the sidebar")

    def screenshot(self) -> bytes:
        data = self.call("Page.captureScreenshot", format="png")["data"]
        return base64.b64decode(data)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._stack.close()
        # Chromium's helpers (renderer, GPU, crashpad) can still be writing to the profile
        # when the main process has exited (CI once failed removing it: "Directory not
        # empty: 'Default'"): end the whole process group, then retry the removal briefly.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for _ in range(20):
            try:
                self.profile.cleanup()
                return
            except OSError:
                time.sleep(0.25)
        self.profile.cleanup()


PLOTLY_DRAWN = "document.querySelectorAll('.js-plotly-plot .main-svg').length"


def _non_blank(png: bytes) -> float:
    """Share of pixels that are not (near) white."""
    import numpy as np
    from PIL import Image

    pixels = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    return float((pixels < 235).mean())


@pytest.fixture(scope="module")
def chromium() -> str:
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("CI is set but no chromium binary was found: apt-get install -y chromium")
        pytest.skip("no chromium binary found (apt-get install -y chromium); CI is not set")
    return binary


@pytest.fixture(scope="module")
def app_url(chromium, tmp_path_factory) -> Iterator[str]:
    from _plan_fixtures import write_small_sample

    folder = tmp_path_factory.mktemp("browser")
    scenario = write_small_sample(folder / "sample", days=4, staff=12)
    env = {
        "PLANNER_APP_SCENARIO": str(scenario),
        "PLANNER_HOME": str(folder),
        "PLANNER_DATABASE_URL": f"sqlite:///{folder / 'plans.db'}",
    }
    with streamlit_server(env) as url:
        yield url


@pytest.fixture
def browser(chromium) -> Iterator[Browser]:
    b = Browser(chromium)
    try:
        yield b
    finally:
        b.close()


EXCEPTIONS = "document.querySelectorAll('[data-testid=stException]').length"


@pytest.mark.slow
def test_app_renders_its_main_chart_in_chromium(app_url, browser, tmp_path):
    # the first load also warms the server (imports, history cache); then a fresh one
    browser.goto(app_url)
    browser.wait_for(PLOTLY_DRAWN, 120)
    browser.goto(app_url)
    charts = browser.wait_for(PLOTLY_DRAWN, 60)
    title = browser.evaluate("document.querySelector('h1')?.innerText")
    png = browser.screenshot()
    assert charts >= 1
    assert "Data" in str(title)
    assert browser.evaluate(EXCEPTIONS) == 0
    assert png.startswith(b"\x89PNG")
    assert _non_blank(png) > 0.02  # a drawn page, not a blank one
    (tmp_path / "data.png").write_bytes(png)


@pytest.mark.slow
def test_upload_a_ticket_export_in_chromium(app_url, browser):
    """A person uploads the Zendesk-style export and sees its history charted."""
    export = ROOT / "data" / "sample" / "tickets_export.csv"
    browser.goto(app_url)
    browser.wait_for(PLOTLY_DRAWN, 120)
    browser.idle()
    clicked = browser.evaluate(
        "(() => { const l = [...document.querySelectorAll('label')]"
        ".find(l => l.innerText.includes('Upload a ticket export'));"
        " if (l) { l.click(); return true; } return false; })()"
    )
    assert clicked
    browser.wait_for("!!document.querySelector('input[type=file]')", 60)
    root = browser.call("DOM.getDocument")["root"]["nodeId"]
    node = browser.call("DOM.querySelector", nodeId=root, selector="input[type=file]")["nodeId"]
    browser.call("DOM.setFileInputFiles", files=[str(export)], nodeId=node)
    browser.wait_for(
        "[...document.querySelectorAll('button')].some(b => b.innerText.includes('Load this'))",
        60,
    )
    browser.idle()
    browser.click_button("Load this export")
    browser.wait_for("document.body.innerText.includes('Using your export')", 120)
    browser.idle()
    text = browser.evaluate("document.querySelector('[data-testid=stMain]').innerText")
    assert "tickets_export.csv" in text
    errors = browser.evaluate(
        "[...document.querySelectorAll('[data-testid=stException]')].map(e => e.innerText)"
        ".join(' | ')"
    )
    assert not errors, errors
    assert browser.evaluate(PLOTLY_DRAWN) >= 1


def take_screenshots(out: Path, scenario: Path | None = None, time_limit: int = 60) -> None:
    """A screenshot of every page into ``out`` (builds a rota and saves two plans on the way)."""
    binary = find_chromium()
    if binary is None:
        raise SystemExit("no chromium binary found: apt-get install -y chromium")
    out.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="planner-shots-"))
    env = {"PLANNER_HOME": str(home), "PLANNER_DATABASE_URL": f"sqlite:///{home / 'plans.db'}"}
    if scenario is not None:
        env["PLANNER_APP_SCENARIO"] = str(scenario.resolve())
    with streamlit_server(env) as url:
        browser = Browser(binary, width=1400, height=1500)
        try:
            browser.goto(url)
            browser.wait_for(PLOTLY_DRAWN, 300)
            browser.idle()
            (out / "data.png").write_bytes(browser.screenshot())
            for title, name in (("Forecast", "forecast"), ("Requirement", "requirement")):
                browser.click_nav(title)
                browser.idle(600)
                browser.wait_for(PLOTLY_DRAWN, 300)
                (out / f"{name}.png").write_bytes(browser.screenshot())
            browser.click_nav("Rota")
            browser.idle()
            browser.type_into("Solver time limit (s)", str(time_limit))
            browser.idle()
            browser.click_button("Build rota")
            time.sleep(5)
            (out / "rota_progress.png").write_bytes(browser.screenshot())
            browser.idle(time_limit + 600)
            browser.wait_for(PLOTLY_DRAWN + " >= 2", 120)
            (out / "rota.png").write_bytes(browser.screenshot())
            browser.type_into("Plan name", f"{time_limit} s solver")
            browser.idle()
            browser.click_button("Save plan")
            browser.idle()
            # a second, quicker plan to compare with
            quick = max(10, time_limit // 3)
            browser.type_into("Solver time limit (s)", str(quick))
            browser.idle()
            browser.click_button("Build rota")
            browser.idle(quick + 600)
            browser.type_into("Plan name", f"{quick} s solver")
            browser.idle()
            browser.click_button("Save plan")
            browser.idle()
            browser.click_nav("Burnout")
            browser.idle()
            browser.wait_for(PLOTLY_DRAWN, 120)
            (out / "burnout.png").write_bytes(browser.screenshot())
            browser.click_nav("Hiring")
            browser.idle()
            browser.click_button("Size seasonal hiring")
            browser.idle(900)
            browser.wait_for(PLOTLY_DRAWN, 300)
            (out / "hiring.png").write_bytes(browser.screenshot())
            browser.click_nav("Compare")
            browser.idle()
            browser.wait_for(PLOTLY_DRAWN, 120)
            (out / "compare.png").write_bytes(browser.screenshot())
        finally:
            browser.close()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "docs" / "screenshots"
    chosen = Path(sys.argv[2]) if len(sys.argv) > 2 else None
    take_screenshots(target, chosen)
