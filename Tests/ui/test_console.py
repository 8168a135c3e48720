"""The web console (/ui/) in a real browser: Debian's chromium, headless, driven through
Selenium and Debian's chromedriver, against a gateway the caller started (EndToEndTests'
ConsoleBrowserTests starts a real suite and runs this file with .tools/ui-venv's python).

Environment:
  FAAS_UI_URL          the console, e.g. http://127.0.0.1:PORT/ui/
  FAAS_UI_KEY          an admin key; empty when the gateway runs with FAAS_AUTH=off
  FAAS_UI_SCREENSHOTS  where the screenshots go (default .build/ui-screenshots)

Screenshots of each page at desktop and phone width are written there (test artifacts).
"""

import json
import os
import re
import sys
import time
import unittest

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ.get("FAAS_UI_URL", "")
KEY = os.environ.get("FAAS_UI_KEY", "")
SHOTS = os.environ.get("FAAS_UI_SCREENSHOTS", os.path.join(".build", "ui-screenshots"))
CHROMIUM = os.environ.get("FAAS_UI_CHROMIUM", "/usr/bin/chromium")
DRIVER = os.environ.get("FAAS_UI_CHROMEDRIVER", "/usr/bin/chromedriver")

DESKTOP = (1280, 900)
PHONE = (390, 844)
PAGE_BUDGET = 100 * 1024

# Writes a log line (stderr) and answers (stdout); VERSION tells the deployed versions apart.
LOGGING_SOURCE = ('import sys\nname = sys.stdin.read().strip()\nsys.stderr.write("greeting " + name + "\\n")\n'
                  'print("Hello, " + name + "! (VERSION)")\n')
PYTHON_SOURCE = 'import sys\n# greet whoever is named on stdin\nprint("Hello, " + sys.stdin.read().strip() + "!")\n'
BROKEN_C = '#include <stdio.h>\n\nint main(void) {\n    printf("hi\\n")\n    return undefined_name;\n}\n'


def start_browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--no-first-run", "--disable-extensions", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--metrics-recording-only",
                     f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)


class ConsoleTestCase(unittest.TestCase):
    driver = None
    console_errors = []

    @classmethod
    def setUpClass(cls):
        if not URL:
            raise RuntimeError("FAAS_UI_URL is not set: run this through ConsoleBrowserTests (swift test)")
        os.makedirs(SHOTS, exist_ok=True)
        cls.driver = start_browser()
        cls.console_errors = []

    @classmethod
    def tearDownClass(cls):
        if cls.driver:
            cls.driver.quit()

    # helpers

    def wait(self, condition, timeout=30):
        return WebDriverWait(self.driver, timeout).until(condition)

    def visible(self, css, timeout=30):
        return self.wait(EC.visibility_of_element_located((By.CSS_SELECTOR, css)), timeout)

    def text_in(self, css, text, timeout=30):
        try:
            self.wait(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text), timeout)
        except TimeoutException:
            found = [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, css)]
            self.fail(f"{text!r} never appeared in {css}; it shows {found!r}\n{self.page_text()}")

    def page_text(self):
        return self.driver.find_element(By.TAG_NAME, "body").text

    def go(self, hash_route):
        self.driver.get(URL + hash_route)

    def screenshot(self, name):
        """The page at desktop width, then at phone width (the window goes back to desktop)."""
        for label, (width, height) in (("desktop", DESKTOP), ("phone", PHONE)):
            self.driver.set_window_size(width, height)
            time.sleep(0.3)
            if label == "phone":
                overflow = self.driver.execute_script(
                    "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
                self.assertLessEqual(overflow, 0, f"{name} scrolls sideways at phone width")
            full = self.driver.execute_script("return document.documentElement.scrollHeight")
            self.driver.set_window_size(width, min(max(height, full + 140), 4000))
            self.driver.save_screenshot(os.path.join(SHOTS, f"{name}-{label}.png"))
        self.driver.set_window_size(*DESKTOP)

    def collect_console(self):
        """Browser log entries that are errors of the page: exceptions and console.error. The
        browser itself also logs each non-2xx answer ('Failed to load resource'); the console
        provokes some on purpose (a keyless probe's 401, a compile error's 422, a feature
        probe's 404) and shows them in the page, so those network lines are not the page's
        errors, but a failed load of the console's own files is."""
        for entry in self.driver.get_log("browser"):
            if entry["level"] != "SEVERE":
                continue
            message = entry["message"]
            if entry.get("source") == "network" and "/ui/" not in message.split(" ")[0]:
                continue
            type(self).console_errors.append(message)

    def assert_no_console_errors(self):
        self.collect_console()
        self.assertEqual(type(self).console_errors, [], "the browser console shows errors")

    def page_weight(self):
        """Bytes the current page (document and every resource it loaded) took on the wire,
        counted as bodies so that a cached or 304 load still counts in full."""
        return self.driver.execute_script("""
            const entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
            return entries.reduce((total, e) => total + Math.max(e.encodedBodySize || 0, e.transferSize || 0), 0);""")

    def sign_in(self, key):
        field = self.visible("#api-key")
        field.clear()
        field.send_keys(key)
        field.send_keys(Keys.ENTER)

    def deploy_from_form(self, name, language, source, update=False):
        self.go("#/deploy")
        self.visible("#deploy-name").send_keys(name)
        self.driver.find_element(By.CSS_SELECTOR, f'#deploy-language option[value="{language}"]').click()
        area = self.driver.find_element(By.ID, "deploy-source")
        # Typed text would be auto-indented by nothing, but send_keys is slow: set the value.
        self.driver.execute_script("arguments[0].value = arguments[1]", area, source)
        if update:
            # The option sits in the folded "options" part of the form.
            self.driver.execute_script("document.getElementById('deploy-update').checked = true")
        self.driver.find_element(By.CSS_SELECTOR, "form.deploy button[type=submit]").click()


class KeyedConsoleTests(ConsoleTestCase):
    """A gateway with API keys: sign in, deploy, invoke, a compile error, every page."""

    def test_1_sign_in(self):
        self.driver.get(URL)
        self.visible("#api-key")
        self.screenshot("signin")
        self.sign_in("not-a-key")
        self.text_in(".signin .state-error", "Key")
        self.assertEqual(self.driver.execute_script("return sessionStorage.getItem('minifaas.apiKey')"), None,
                         "a refused key is not kept")
        self.sign_in(KEY)
        self.text_in("main h1", "Functions")
        self.text_in("main", "No functions yet")
        self.assertEqual(self.driver.execute_script("return sessionStorage.getItem('minifaas.apiKey')"), KEY)
        self.assertEqual(self.driver.execute_script("return localStorage.length"), 0, "nothing kept beyond the tab")
        self.assert_no_console_errors()

    def test_2_deploy_python_and_invoke(self):
        self.deploy_from_form("greeter", "python", PYTHON_SOURCE)
        self.text_in("#deploy-result", "Deployed greeter v1", timeout=60)
        self.screenshot("deploy-ok")
        self.driver.find_element(By.ID, "deployed-link").click()
        self.text_in("main h1", "greeter")
        source = self.visible("pre.source")
        self.assertIn('print("Hello, "', source.text)
        keywords = [e.text for e in source.find_elements(By.CSS_SELECTOR, ".tok-keyword")]
        self.assertIn("import", keywords)
        self.assertTrue(source.find_elements(By.CSS_SELECTOR, ".tok-comment"), "the comment is highlighted")
        self.assertTrue(source.find_elements(By.CSS_SELECTOR, ".tok-string"), "strings are highlighted")
        payload = self.driver.find_element(By.CSS_SELECTOR, "form.invoke textarea")
        self.assertEqual(self.driver.find_element(By.CSS_SELECTOR, f'label[for="{payload.get_attribute("id")}"]').text, "Payload")
        payload.send_keys("World")
        self.driver.find_element(By.CSS_SELECTOR, "form.invoke button[type=submit]").click()
        self.text_in(".outcome .output", "Hello, World!", timeout=60)
        self.assertIn("200", self.driver.find_element(By.CSS_SELECTOR, ".outcome .status").text)
        self.assertRegex(self.driver.find_element(By.CSS_SELECTOR, ".outcome .duration").text, r"\d+(\.\d)? ms")
        self.assertTrue(self.driver.find_element(By.CSS_SELECTOR, ".outcome .request-id").text)
        # JSON checked in the page before it is sent.
        payload.clear()
        payload.send_keys("{not json")
        self.driver.find_element(By.CSS_SELECTOR, 'form.invoke input[value="json"]').click()
        self.driver.find_element(By.CSS_SELECTOR, "form.invoke button[type=submit]").click()
        self.text_in(".result", "Not valid JSON")
        payload.clear()
        payload.send_keys('"JSON"')
        self.driver.find_element(By.CSS_SELECTOR, "form.invoke button[type=submit]").click()
        self.text_in(".outcome .output", 'Hello, "JSON"!', timeout=60)
        # Sections this gateway may lack say so rather than fail; the history (GET /invocations,
        # loaded with the page, before this call) is there and may still be empty.
        for title in ("Versions", "Logs", "Recent invocations"):
            section = self.driver.find_element(By.XPATH, f'//section[h2[normalize-space()="{title}"]]')
            try:
                self.wait(lambda d: section.find_elements(By.CSS_SELECTOR, ".state-absent, .state-empty, table, ol.logs:not([hidden])"))
            except TimeoutException:
                self.fail(f"{title} shows neither content nor an empty or absent state: {section.text}")
        # The settings, each labelled; env and secrets by name only.
        settings = self.driver.find_element(By.CSS_SELECTOR, "dl.settings").text
        for label in ("Timeout", "Memory", "Concurrency", "Environment", "Secrets", "Public"):
            self.assertIn(label, settings)
        self.screenshot("function")
        self.assertLess(self.page_weight(), PAGE_BUDGET)
        self.assert_no_console_errors()

    def test_3_function_failure_shown(self):
        self.deploy_from_form("crasher", "python", "import sys\nsys.stderr.write('boom')\nsys.exit(3)\n")
        self.text_in("#deploy-result", "Deployed crasher", timeout=60)
        self.go("#/function/crasher")
        self.visible("form.invoke textarea").send_keys("x")
        self.driver.find_element(By.CSS_SELECTOR, "form.invoke button[type=submit]").click()
        self.visible(".outcome.failed", timeout=60)
        self.assertIn("failed", self.driver.find_element(By.CSS_SELECTOR, ".outcome .status").text)
        self.assert_no_console_errors()

    def test_4_compile_error_with_line(self):
        self.deploy_from_form("broken", "c", BROKEN_C)
        self.text_in("#deploy-result", "Compilation failed", timeout=120)
        lines = [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "#deploy-result .diag-line")]
        self.assertTrue(lines, self.page_text())
        self.assertTrue(any(line.startswith("Line 4") or line.startswith("Line 5") for line in lines), lines)
        # The line link selects that line of the pasted source.
        self.driver.find_element(By.CSS_SELECTOR, "#deploy-result button.diag-line").click()
        selected = self.driver.execute_script(
            "const t = document.getElementById('deploy-source'); return t.value.slice(t.selectionStart, t.selectionEnd)")
        self.assertTrue(selected.strip(), "a line of the source is selected")
        self.screenshot("deploy-compile-error")
        self.assertLess(self.page_weight(), PAGE_BUDGET)
        self.assert_no_console_errors()

    def test_5_functions_list_search_and_sort(self):
        self.go("#/functions")
        self.text_in("table.functions", "greeter")
        # Last invocations and error rate from the call history (sync calls are recorded in
        # batches: the page is loaded again until crasher's failed call shows).
        def crasher_row():
            return self.driver.find_element(By.XPATH, '//table[contains(@class,"functions")]//tr[th//a[normalize-space()="crasher"]]')
        for _ in range(20):
            if "1 of 1 (100%)" in crasher_row().text:
                break
            time.sleep(0.5)
            self.driver.refresh()
            self.text_in("table.functions", "greeter")
        self.assertIn("1 of 1 (100%)", crasher_row().text)
        self.assertTrue(crasher_row().find_elements(By.CSS_SELECTOR, ".mark-failed"), "the failed call is marked")
        greeter = self.driver.find_element(By.XPATH, '//table[contains(@class,"functions")]//tr[th//a[normalize-space()="greeter"]]')
        self.assertRegex(greeter.text, r"0 of [1-9]\d* \(0%\)")
        self.assertIn("just now", greeter.text)
        self.driver.find_element(By.CSS_SELECTOR, 'button.sort[data-sort="error_rate"]').click()
        names_now = [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "table.functions tbody th")]
        self.assertEqual(names_now[-1], "crasher", "sorted by error rate, ascending: the failing one last")
        self.driver.find_element(By.CSS_SELECTOR, 'button.sort[data-sort="name"]').click()
        names = lambda: [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, "table.functions tbody th")]
        self.assertEqual(names(), ["crasher", "greeter"])
        self.driver.find_element(By.CSS_SELECTOR, 'button.sort[data-sort="name"]').send_keys(Keys.ENTER)
        self.assertEqual(names(), ["greeter", "crasher"])
        header = self.driver.find_element(By.XPATH, '//th[button[@data-sort="name"]]')
        self.assertEqual(header.get_attribute("aria-sort"), "descending")
        search = self.driver.find_element(By.ID, "fn-search")
        search.send_keys("greet")
        self.assertEqual(names(), ["greeter"])
        search.clear()
        search.send_keys("zzz")
        self.text_in("main", "No match")
        search.send_keys(Keys.CONTROL, "a")
        search.send_keys(Keys.BACKSPACE)
        self.driver.find_element(By.CSS_SELECTOR, 'button.sort[data-sort="name"]').click()
        self.screenshot("functions")
        self.assertLess(self.page_weight(), PAGE_BUDGET)
        self.assert_no_console_errors()

    def test_6_keyboard_reaches_every_page(self):
        self.go("#/functions")
        self.text_in("table.functions", "greeter")
        body = self.driver.find_element(By.TAG_NAME, "body")
        reached = []
        for _ in range(30):
            body = self.driver.switch_to.active_element
            body.send_keys(Keys.TAB)
            element = self.driver.switch_to.active_element
            reached.append(element.get_attribute("href") or element.tag_name)
        for page in ("#/functions", "#/deploy", "#/overview", "#/invocations"):
            self.assertTrue(any(str(r).endswith(page) for r in reached), f"Tab never reaches {page}: {reached}")

    def test_7_overview_charts(self):
        self.go("#/function/greeter")
        self.visible("form.invoke textarea").send_keys("chart")
        self.driver.find_element(By.CSS_SELECTOR, "form.invoke button[type=submit]").click()
        self.text_in(".outcome .output", "Hello, chart!", timeout=60)
        self.go("#/overview")
        # Loaded afresh: the weight below is this page's alone, not the function page's too.
        self.driver.refresh()
        # Three samples (3 s apart) make two points: a line on every chart.
        self.text_in("main", "2 points", timeout=30)
        lines = self.driver.find_elements(By.CSS_SELECTOR, "figure.chart svg path.chart-line")
        self.assertGreaterEqual(len(lines), 3)  # latency draws only with invokes in a window
        self.assertTrue(all("L" in line.get_attribute("d") for line in lines[:1]), "the requests line joins two points")
        titles = [e.text for e in self.driver.find_elements(By.CSS_SELECTOR, ".chart-title")]
        self.assertEqual(titles, ["Requests per second", "Invoke latency", "Errors per second", "Busy (invocations in flight)"])
        label = self.driver.find_element(By.CSS_SELECTOR, "figure.chart svg title").get_attribute("textContent")
        self.assertIn("Requests per second", label)
        self.screenshot("overview")
        self.assertLess(self.page_weight(), PAGE_BUDGET)
        self.assert_no_console_errors()

    def test_8_invocations_page(self):
        self.go("#/invocations")
        self.wait(lambda d: d.find_elements(By.CSS_SELECTOR, "main .state, main table"))
        self.screenshot("invocations")
        self.assert_no_console_errors()

    def test_9_unknown_function_and_gateway_states(self):
        self.go("#/function/nothing-here")
        self.text_in("main", "No such function")
        self.driver.execute_script("sessionStorage.setItem('minifaas.apiKey', 'wrong-key')")
        self.go("#/functions")
        self.driver.refresh()
        self.text_in("main", "Key needed (401)")
        self.sign_in(KEY)
        self.text_in("table.functions", "greeter")
        # The network gone (the page already loaded): the next page says the gateway is down.
        self.driver.set_network_conditions(offline=True, latency=0, download_throughput=-1, upload_throughput=-1)
        try:
            self.driver.execute_script("location.hash = '#/overview'")
            self.text_in("main", "Gateway down")
            self.assertIn("cannot be reached", self.driver.find_element(By.ID, "banner").text)
            self.screenshot("gateway-down")
        finally:
            self.driver.set_network_conditions(offline=False, latency=0, download_throughput=-1, upload_throughput=-1)
        self.driver.find_element(By.XPATH, '//button[normalize-space()="Try again"]').click()
        self.text_in("main h1", "Overview")
        self.wait(lambda d: not d.find_element(By.ID, "banner").is_displayed())
        self.assert_no_console_errors()


class OpenConsoleTests(ConsoleTestCase):
    """A gateway with FAAS_AUTH=off: no sign-in, the pages work."""

    def test_open_gateway_needs_no_key(self):
        self.driver.get(URL)
        self.text_in("main h1", "Functions")
        self.text_in("#session", "no key needed")
        self.deploy_from_form("open-greeter", "python", PYTHON_SOURCE)
        self.text_in("#deploy-result", "Deployed open-greeter", timeout=60)
        self.go("#/function/open-greeter")
        self.visible("form.invoke textarea").send_keys("Open")
        self.driver.find_element(By.CSS_SELECTOR, "form.invoke button[type=submit]").click()
        self.text_in(".outcome .output", "Hello, Open!", timeout=60)
        self.assert_no_console_errors()


class LiveConsoleTests(ConsoleTestCase):
    """A function's logs followed live and its versions rolled back, against the API of
    /work/wt/CONTRACT-12.md: GET /function/N/logs?tail&since&follow (ndjson), the worker's
    captured stderr in each result's log, GET /function/N/versions and POST
    /function/N/rollback?version=K. Chosen with FAAS_UI_SUITE=live."""

    def section(self, title):
        return self.driver.find_element(By.XPATH, f'//section[h2[normalize-space()="{title}"]]')

    def invoke(self, payload, expected):
        area = self.visible("form.invoke textarea")
        area.clear()
        area.send_keys(payload)
        self.driver.find_element(By.CSS_SELECTOR, "form.invoke button[type=submit]").click()
        self.text_in(".outcome .output", expected, timeout=60)

    def current_version(self):
        # Read in one script: the page draws the table again after a roll back.
        text = self.driver.execute_script(
            "const th = document.querySelector('table.versions tr.current th'); return th ? th.textContent : null")
        match = re.match(r"v\d+", (text or "").strip())
        return match.group(0) if match else None

    def test_logs_follow_and_roll_back(self):
        self.driver.get(URL)
        if KEY:
            self.sign_in(KEY)
        self.text_in("main h1", "Functions")
        self.deploy_from_form("logger", "python", LOGGING_SOURCE.replace("VERSION", "v1"))
        self.text_in("#deploy-result", "Deployed logger v1", timeout=60)
        self.go("#/function/logger")
        self.text_in("main h1", "logger")
        # The panel follows the stream before anything was logged, and says there is nothing yet.
        self.wait(lambda d: "Following" in self.section("Logs").text or "does not keep logs" in self.section("Logs").text)
        self.assertNotIn("does not keep logs", self.section("Logs").text,
                         "this gateway has no GET /function/N/logs (issue 12, branch fnroute)")
        self.text_in(".logs-mode", "Following live")
        self.assertIn("No log lines yet", self.section("Logs").text)

        # Invoke from the form: the output and the request id; the call's stderr line appears
        # in the panel while the page stays open, with that request id.
        self.invoke("Ada", "Hello, Ada! (v1)")
        request_id = self.driver.find_element(By.CSS_SELECTOR, ".outcome .request-id").text.strip()
        self.assertTrue(request_id and "not given" not in request_id, request_id)
        self.text_in("ol.logs", "greeting Ada", timeout=30)
        entry = self.driver.find_element(By.XPATH, '//ol[contains(@class,"logs")]/li[contains(., "greeting Ada")]')
        self.assertIn("stderr", entry.text)
        self.assertEqual(entry.find_element(By.CSS_SELECTOR, ".log-request").get_attribute("title"), "Request id " + request_id)
        self.screenshot("function-logs")
        self.assertLess(self.page_weight(), PAGE_BUDGET)

        # A second version: current in the table; v1 still invocable by its id.
        self.deploy_from_form("logger", "python", LOGGING_SOURCE.replace("VERSION", "v2"), update=True)
        self.text_in("#deploy-result", "Deployed logger v2", timeout=60)
        self.go("#/function/logger")
        self.visible("table.versions")
        self.wait(lambda d: self.current_version() == "v2")
        self.invoke("Bo", "Hello, Bo! (v2)")
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-invoke-version="1"]').click()
        self.assertEqual(self.driver.switch_to.active_element.tag_name, "textarea", "the payload is focused")
        self.invoke("Cy", "Hello, Cy! (v1)")
        self.assertIn("v1", self.driver.find_element(By.CSS_SELECTOR, ".outcome .version").text)

        # Roll back to v1: asked first (Cancel changes nothing), then done.
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-rollback="1"]').click()
        self.text_in("table.versions", "will run v1 from now on")
        self.driver.find_element(By.XPATH, '//div[contains(@class,"confirm")]//button[normalize-space()="Cancel"]').click()
        self.assertEqual(self.current_version(), "v2")
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-rollback="1"]').click()
        self.driver.find_element(By.CSS_SELECTOR, 'button[data-confirm-rollback="1"]').click()
        # A roll back publishes v1's code and settings as the next version (v3), as Lambda's
        # aliases and the API do: v1's code answers again.
        self.wait(lambda d: self.current_version() == "v3")
        self.invoke("Di", "Hello, Di! (v1)")
        self.screenshot("function-versions")
        self.assertLess(self.page_weight(), PAGE_BUDGET)
        self.assert_no_console_errors()


def load_tests(loader, tests, pattern):
    if os.environ.get("FAAS_UI_SUITE") == "live":
        return loader.loadTestsFromTestCase(LiveConsoleTests)
    chosen = OpenConsoleTests if not KEY else KeyedConsoleTests
    return loader.loadTestsFromTestCase(chosen)


if __name__ == "__main__":
    result = unittest.main(exit=False, verbosity=2).result
    sys.exit(0 if result.wasSuccessful() and result.testsRun > 0 else 1)
