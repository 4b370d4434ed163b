"""Headless Chromium driven over the DevTools protocol: load a page, record every request,
failed request, error response, console error and exception, and read values off the DOM."""

from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often have a tiny /dev/shm
]
# The network off, this machine on: every host but the loopback goes to a proxy on a port
# where nothing listens (the discard port), and no host name but localhost resolves.
OFFLINE_FLAGS = [
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]


@dataclass
class PageVisit:
    """What Chromium saw while loading a page: requested URLs, console and log errors, and the
    values of the expressions asked for."""

    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    n_charts_drawn: int = 0
    title: str = ""
    values: dict[str, object] = field(default_factory=dict)


def visit(
    url: str,
    user_data_dir: Path,
    timeout: float = 30.0,
    offline: bool = False,
    wait_for: str | None = None,
    evaluate: dict[str, str] | None = None,
) -> PageVisit:
    """Load ``url`` in headless Chromium over the DevTools protocol and record what happened.
    ``offline``: no network but this machine's. ``wait_for``: a JavaScript expression polled
    after the load until it is true (a page that draws itself with scripts). ``evaluate``:
    named expressions whose values land in ``values``."""
    from websockets.sync.client import connect

    proc = subprocess.Popen(
        [
            CHROMIUM,
            *BROWSER_FLAGS,
            *(OFFLINE_FLAGS if offline else []),
            f"--user-data-dir={user_data_dir}",
            "--remote-debugging-port=0",  # Chromium picks a free port, writes DevToolsActivePort
            "about:blank",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + timeout
    try:
        port_file = user_data_dir / "DevToolsActivePort"
        while not (port_file.is_file() and port_file.read_text().strip()):
            assert proc.poll() is None, f"chromium exited with {proc.returncode}"
            assert time.monotonic() < deadline, "chromium did not open its DevTools port"
            time.sleep(0.1)
        port = port_file.read_text().split()[0]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as answer:
            targets = json.load(answer)
        ws_url = next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")
        seen = PageVisit()
        with connect(ws_url, max_size=None, open_timeout=10) as ws:
            ids = iter(range(1, 100_000))

            def receive(wait: float) -> dict:
                message = json.loads(ws.recv(timeout=max(0.05, wait)))
                method, params = message.get("method"), message.get("params", {})
                if method == "Network.requestWillBeSent":
                    seen.requests.append(params["request"]["url"])
                elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
                    response = params["response"]
                    seen.errors.append(f"HTTP {response['status']}: {response['url']}")
                elif method == "Runtime.consoleAPICalled" and params["type"] in ("error", "assert"):
                    seen.errors.append(f"console: {params['args']}")
                elif method == "Runtime.exceptionThrown":
                    seen.errors.append(f"exception: {params['exceptionDetails']}")
                elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                    seen.errors.append(f"log: {params['entry']['text']}")
                elif method == "Network.loadingFailed":
                    seen.errors.append(f"failed request: {params}")
                return message

            def call(method: str, **params: object) -> dict:
                call_id = next(ids)
                ws.send(json.dumps({"id": call_id, "method": method, "params": params}))
                while True:
                    message = receive(deadline - time.monotonic())
                    if message.get("id") == call_id:
                        assert "error" not in message, message
                        return message.get("result", {})

            def value(expression: str) -> object:
                found = call("Runtime.evaluate", expression=expression, returnByValue=True)
                assert "exceptionDetails" not in found, (expression, found)
                return found["result"].get("value")

            for domain in ("Page", "Runtime", "Log", "Network"):
                call(f"{domain}.enable")
            call("Page.navigate", url=url)
            while receive(deadline - time.monotonic()).get("method") != "Page.loadEventFired":
                pass
            if wait_for is not None:
                while not value(wait_for):
                    assert time.monotonic() < deadline, f"never true: {wait_for}"
                    with contextlib.suppress(TimeoutError):
                        receive(0.2)
            settle = time.monotonic() + 1.0  # late console messages or requests
            while time.monotonic() < settle:
                try:
                    receive(settle - time.monotonic())
                except TimeoutError:
                    break
            seen.n_charts_drawn = value(
                "[...document.querySelectorAll('svg[role=img]')]"
                ".filter(s => s.getBoundingClientRect().width > 300).length"
            )
            seen.title = value("document.title")
            seen.values = {name: value(js) for name, js in (evaluate or {}).items()}
        return seen
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
