#!/usr/bin/env python3
"""The owner's inbox in headless Chromium (tests/inbox.sh runs it behind a
real web server). Prints PASS/FAIL lines like the shell suites.

    inbox_browser.py INBOX_URL PASSWORD SHOTS_DIR HOOK_OK_FILE LABEL

INBOX_URL is <script URL>/_inbox. The suite has stored the demo orders
(their hook fails until HOOK_OK_FILE exists), an order whose fields and
body carry markup meant to run, and a refused request. Whether that markup
ran is the browser's to say: each payload would set window.__pwned, or
add an <img> or a <script> to the page.
"""
import os
import re
import sys
import time

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

URL, PASSWORD, SHOTS, HOOK_OK, LABEL = sys.argv[1:6]
failed = 0


def ok(name, cond, why=""):
    global failed
    if cond:
        print(f"PASS {LABEL}: {name}", flush=True)
    else:
        failed += 1
        print(f"FAIL {LABEL}: {name}: {why}", flush=True)


def driver():
    opts = Options()
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu",
              "--disable-dev-shm-usage", "--window-size=1280,900",
              "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    opts.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    svc = Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=svc, options=opts)


d = driver()
d.set_page_load_timeout(30)


def body():
    WebDriverWait(d, 20).until(
        EC.presence_of_element_located((By.TAG_NAME, "body")))
    return d.find_element(By.TAG_NAME, "body").text


def go(elem):
    """Clicks what loads another page, and waits until it has."""
    old = d.find_element(By.TAG_NAME, "html")
    elem.click()
    WebDriverWait(d, 20).until(EC.staleness_of(old))


def shot(name):
    """Desktop (1280 wide) and phone (390 wide) screenshots, whole page."""
    for label, width, mobile in (("desktop", 1280, False), ("phone", 390, True)):
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": 800, "deviceScaleFactor": 1,
            "mobile": mobile})
        h = d.execute_script(
            "return Math.max(document.body.scrollHeight, 800)")
        d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": min(h, 4000), "deviceScaleFactor": 1,
            "mobile": mobile})
        d.save_screenshot(os.path.join(SHOTS, f"{LABEL}-{name}-{label}.png"))
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    # Wider on the phone than the screen: the page would scroll sideways.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    sw = d.execute_script("return document.documentElement.scrollWidth")
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    ok(f"{name} fits a phone's width", sw <= 400, f"scrollWidth {sw}")


def nothing_ran(where):
    """The payloads stayed text: no flag, no element they would add."""
    flag = d.execute_script("return window.__pwned === undefined ? null : "
                            "String(window.__pwned)")
    imgs = d.execute_script("return document.images.length")
    scripts = d.execute_script(
        "return Array.from(document.scripts).filter(function(s){"
        "return !s.nonce}).length")
    links = d.execute_script(
        "return Array.from(document.links).filter(function(a){"
        "return a.protocol !== 'http:' && a.protocol !== 'https:'}).length")
    ok(f"{where}: no payload ran", flag is None and imgs == 0 and
       scripts == 0 and links == 0,
       f"__pwned={flag} imgs={imgs} scripts={scripts} odd links={links}")


try:
    # Signed out: the sign-in form. A wrong password says so.
    d.get(URL)
    ok("signed out: the sign-in form", "Password" in body() and
       len(d.find_elements(By.NAME, "password")) == 1, body()[:200])
    # Login CSRF: the form's token matches a cookie the page cannot read.
    cookie = d.get_cookie("hookbox_signin")
    field = d.find_element(By.NAME, "signin").get_attribute("value")
    ok("sign-in form: its token is its own HttpOnly cookie's",
       cookie is not None and cookie["value"] == field and
       cookie.get("httpOnly") and cookie.get("sameSite") == "Strict" and
       "hookbox_signin" not in d.execute_script("return document.cookie"),
       repr(cookie))
    # A form whose token is not the cookie's (as another site's would
    # be): refused, with a fresh form, and no password was tried.
    d.execute_script("document.getElementsByName('signin')[0].value = "
                     "'forged' + 'x'.repeat(37)")
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    go(d.find_element(By.TAG_NAME, "button"))
    text = body()
    ok("sign-in with another token: refused, not signed in",
       "did not come from this inbox" in text and "Sign out" not in text and
       len(d.find_elements(By.NAME, "signin")) == 1, text[:300])
    d.find_element(By.NAME, "password").send_keys("not the password")
    go(d.find_element(By.TAG_NAME, "button"))
    ok("wrong password: said so", "Wrong password" in body(), body()[:200])
    shot("signin-wrong")
    # The next attempt waits a little longer (the throttle): 1 s here.
    time.sleep(2.2)
    d.find_element(By.NAME, "password").send_keys(PASSWORD)
    go(d.find_element(By.TAG_NAME, "button"))
    text = body()
    ok("signed in: the front page", "Needs attention" in text and
       "Sign out" in text, text[:300])
    ok("front page: the failing hooks", "Hooks failing" in text and
       "Retry" in text and "dead" in text, text[:400])
    ok("front page: an endpoint refusing requests",
       "Endpoints refusing requests" in text, text[:600])
    ok("front page: Retry all dead, with its count",
       re.search(r"Retry all dead of catalog \(\d+\)", text) is not None,
       text[:600])
    nothing_ran("front page")
    shot("front")

    # The events, and one of them.
    go(d.find_element(By.LINK_TEXT, "Events"))
    text = body()
    ok("events: the demo orders", "6a1f0c2e9b7d4e55" in text and
       "order" in text, text[:400])
    nothing_ran("events")
    shot("events")
    d.get(URL + "/events?q=6a1f0c2e9b7d4e55")
    rows = d.find_elements(By.CSS_SELECTOR, "table a[href*='event?id=']")
    ok("events: search by resource id", len(rows) == 1,
       f"{len(rows)} rows")
    go(rows[0])
    text = body()
    ok("one event: its body, headers and attempts",
       "Body" in text and "Headers" in text and "6a1f0c2e9b7d4e55" in text
       and "Retry now" in text and "Mark done" in text, text[:400])
    ok("one event: the JSON pretty-printed", '"type": ' in text or
       '"type":' in text, text[:600])
    shot("event")

    # Retry the failed hook, now that it can succeed.
    event_url = d.current_url
    open(HOOK_OK, "w").close()
    go(d.find_element(By.XPATH, "//button[text()='Retry now']"))
    good = False
    for _ in range(60):
        d.get(event_url)
        if "succeeded" in body():
            good = True
            break
        time.sleep(0.5)
    ok("retry: the hook ran again and succeeded", good, body()[-600:])
    shot("event-retried")
    # On a phone, each attempt's output is readable in place: its box as
    # wide as most of the screen, and all of it on the screen.
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": 390, "height": 800, "deviceScaleFactor": 1, "mobile": True})
    boxes = d.execute_script(
        "return Array.from(document.querySelectorAll('td pre')).map("
        "function(p){var r=p.getBoundingClientRect();"
        "return [Math.round(r.left),Math.round(r.right)];})")
    d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    ok("one event on a phone: each hook output wide and on the screen",
       len(boxes) >= 2 and all(r <= 390 and r - l >= 300 for l, r in boxes),
       repr(boxes))

    # Refused requests, in plain words.
    go(d.find_element(By.LINK_TEXT, "Refused"))
    text = body()
    ok("refused: the wrong token, in plain words",
       "wrong URL token" in text, text[:600])
    ok("refused: the failed sign-in", "failed sign-in" in text, text[:600])
    nothing_ran("refused")
    shot("refused")

    # Endpoints: the URL to paste, in a field that needs no script.
    go(d.find_element(By.LINK_TEXT, "Endpoints"))
    field = d.find_element(By.ID, "u0")
    ok("endpoints: the URL with its token",
       field.get_attribute("value").endswith("/catalog/" +
                                             os.environ["INBOX_TOKEN"]),
       field.get_attribute("value"))
    ok("endpoints: the copy button shown (the page's own script ran)",
       d.find_element(By.CSS_SELECTOR, "button[data-copy]").is_displayed())
    ok("endpoints: no secret shown",
       os.environ["INBOX_SECRET"] not in d.page_source)
    shot("endpoints")

    # The order that carries markup: every page that shows it.
    d.get(URL + "/events?q=pwned")
    links = d.find_elements(By.CSS_SELECTOR, "table a[href*='event?id=']")
    ok("hostile order: found by text in its body", len(links) == 1,
       f"{len(links)} rows")
    nothing_ran("hostile order in the list")
    go(links[0])
    text = body()
    ok("hostile order: its markup shown as text",
       "<script>window.__pwned=1</script>" in text and
       "</textarea>" in text and "onerror" in text, text[:800])
    nothing_ran("hostile order")
    shot("event-hostile")
    d.get(URL + "/events?q=" +
          "%3C%2Ftextarea%3E%3Cscript%3Ewindow.__pwned%3D7%3C%2Fscript%3E")
    nothing_ran("a search that carries markup")
    ok("a search that carries markup: kept as text in its field",
       d.find_element(By.ID, "f-q").get_attribute("value") ==
       "</textarea><script>window.__pwned=7</script>")

    # Sign out: the session is over.
    go(d.find_element(By.XPATH, "//button[text()='Sign out']"))
    d.get(URL + "/events")
    ok("signed out: events need a sign-in again",
       len(d.find_elements(By.NAME, "password")) == 1 and
       len(d.find_elements(By.NAME, "signin")) == 1, body()[:200])
except WebDriverException as e:
    ok("browser", False, str(e).splitlines()[0] if str(e) else repr(e))
finally:
    d.quit()
sys.exit(1 if failed else 0)
