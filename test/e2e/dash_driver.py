#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""A headless Chromium driven by Selenium for test_61_dashboard, run inside the
appliance's namespace (where the API listens on 127.0.0.1:8080) by the test through
`ip netns exec`. It takes one JSON command a line on stdin and answers one JSON line on
stdout ({"ok": true, "value": ...} or {"ok": false, "error": "..."}); the first line
it writes says it is ready. EOF on stdin, the "quit" command or SIGTERM quits the
browser and chromedriver and exits.

Commands: open {url}; login {token}; js {script} (its return value); click {wan,
action}; screenshot {path, width, height, mobile} (the whole page as PNG); url.

Usage: dash_driver.py WORKDIR   (the browser profile and chromedriver's log go there)
"""
import base64
import json
import os
import signal
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WINDOW = (1280, 1000)
WAIT_S = 10


def start(workdir):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for a in ("--headless=new", "--no-sandbox",     # root, in a namespace: no sandbox
              "--disable-gpu", "--disable-dev-shm-usage", "--no-proxy-server",
              "--no-first-run", "--disable-background-networking",
              "--disable-component-update", "--disable-sync", "--disable-extensions",
              "--window-size=%d,%d" % WINDOW,
              "--user-data-dir=" + os.path.join(workdir, "chromium-profile")):
        opts.add_argument(a)
    svc = Service(CHROMEDRIVER, log_path=os.path.join(workdir, "chromedriver.log"))
    drv = webdriver.Chrome(service=svc, options=opts)
    drv.set_page_load_timeout(20)
    drv.set_script_timeout(10)
    return drv, svc


def screenshot(drv, path, width, height, mobile):
    """The whole page at WIDTH (CSS px), as a phone (viewport meta honoured) when MOBILE."""
    drv.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height, "deviceScaleFactor": 2 if mobile else 1,
        "mobile": bool(mobile)})
    try:
        # let a layout for the new width happen before measuring it
        drv.execute_async_script("requestAnimationFrame(() => requestAnimationFrame("
                                 "arguments[arguments.length - 1]))")
        full = drv.execute_script(
            "return [document.documentElement.scrollWidth, "
            "document.documentElement.scrollHeight, window.innerWidth]")
        shot = drv.execute_cdp_cmd("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": full[0], "height": full[1], "scale": 1}})
        with open(path, "wb") as f:
            f.write(base64.b64decode(shot["data"]))
        return {"scroll_width": full[0], "scroll_height": full[1], "inner_width": full[2]}
    finally:
        drv.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def handle(drv, c):
    op = c.get("op")
    if op == "open":
        drv.get(c["url"])
        return drv.current_url
    if op == "url":
        return drv.current_url
    if op == "login":
        box = WebDriverWait(drv, WAIT_S).until(EC.visibility_of_element_located((By.ID, "token")))
        box.clear()
        box.send_keys(c["token"])
        drv.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()
        return None
    if op == "js":
        return drv.execute_script(c["script"], *c.get("args", []))
    if op == "click":
        b = drv.find_element(By.CSS_SELECTOR, 'button[data-wan="%s"][data-action="%s"]' % (
            c["wan"], c["action"]))
        b.click()
        return None
    if op == "screenshot":
        return screenshot(drv, c["path"], c["width"], c["height"], c.get("mobile", False))
    raise ValueError("unknown op %r" % op)


def main():
    workdir = sys.argv[1]
    out = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)        # whatever else prints goes to stderr, not into the replies

    def on_term(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, on_term)
    drv = None
    try:
        drv, svc = start(workdir)
        out.write(json.dumps({"ok": True, "ready": True,
                              "chromedriver_pid": svc.process.pid}) + "\n")
        for line in sys.stdin:
            c = json.loads(line)
            if c.get("op") == "quit":
                out.write(json.dumps({"ok": True, "value": None}) + "\n")
                break
            try:
                rep = {"ok": True, "value": handle(drv, c)}
            except Exception as e:   # the test sees the error and decides
                rep = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
            out.write(json.dumps(rep) + "\n")
    except Exception as e:
        out.write(json.dumps({"ok": False, "error": "%s: %s" % (type(e).__name__, e)}) + "\n")
        raise
    finally:
        if drv is not None:
            drv.quit()


if __name__ == "__main__":
    main()
