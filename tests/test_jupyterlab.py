"""The notebooks' widgets as an analyst sees them: JupyterLab in headless Chromium (issue 19 item 5).

A throw-away JupyterLab (tests/jupyterlab_setup.py: 127.0.0.1, a free port, a token, temporary
copies of the notebooks, temporary HOME and JUPYTER_* folders, the kernel environment of
tasks.kernel_env without SMK_BATCH, so the widgets show) serves notebooks 04 and 05 on the demo
client. Debian's Chromium, driven by Playwright, opens each notebook, runs all cells from the Run
menu, then moves the sliders with the keyboard, the mouse and the value box, and checks what the
widget shows against figures computed here with smk's compute functions:

- 05 (contact attempts): the cost-per-attempt line and the recommended number of attempts K for the
  slider's rep hourly cost and attempts per hour (``cost_per_attempt``, ``attempt_value``), and the
  value chart redrawn;
- 04 (SLA): the MQLs needed per lead type and for the current mix (the monthly MQL goal) for the
  quota the slider shows (``monthly_mql_goal(client, period, quota=...)``, with the share and close
  rates the explorer holds, read from the kernel).

The sliders open on the data's values (no step: the browser would round each value to it and send
the rounding back) and their value boxes show plain numbers (ipywidgets reads a box back with
``parseFloat``), so pressing Enter in a box changes nothing.

No request may leave 127.0.0.1. Skipped, with the reason, only when Chromium or Playwright is
missing (``python3 tasks.py test`` installs chromium when run as root).
"""
from __future__ import annotations

import ast
import json
import os
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

playwright_api = pytest.importorskip(
    "playwright.sync_api",
    reason="the Python package playwright is not installed (it is in the test extras: pip install -e '.[test]')")
sync_playwright = playwright_api.sync_playwright
PlaywrightTimeout = playwright_api.TimeoutError

sys.path.insert(0, str(Path(__file__).resolve().parent))
from browser_setup import ensure_chromium  # noqa: E402
from jupyterlab_setup import CHROMIUM, CHROMIUM_FLAGS, ROOT, JupyterLab  # noqa: E402

import smk  # noqa: E402
from smk import texts  # noqa: E402
from smk.analyses import attempts  # noqa: E402
from smk.analyses.sla import monthly_mql_goal  # noqa: E402
from smk.views import fmt  # noqa: E402

NOTEBOOKS = ROOT / "notebooks"
NB04, NB05 = "04_sla.ipynb", "05_contact_attempts.ipynb"
LANG = "en"  # the notebooks' default `lang` parameter
EXPLORER = 'ctx.show(res, "explorer")'

# Generous timeouts (milliseconds): two cores shared with other test workers.
KERNEL_TIMEOUT = 300_000   # JupyterLab loaded and the kernel started
RUN_TIMEOUT = 900_000      # every cell of a notebook executed
UPDATE_TIMEOUT = 120_000   # a widget redrawn after a slider moved
ACTION_TIMEOUT = 60_000    # clicks, key presses, element lookups

# --- JavaScript run in the page (JupyterLab exposes its app as window.jupyterapp: --LabApp.expose_app_in_browser)
PANEL_JS = """(path) => { const app = window.jupyterapp; if (!app || !app.shell) return null;
    return [...app.shell.widgets('main')].find(w => w.context && w.context.path === path) || null; }"""
KERNEL_IDLE_JS = f"""(path) => {{ const p = ({PANEL_JS})(path); const s = p && p.sessionContext;
    return !!(s && s.isReady && s.session && s.session.kernel && s.session.kernel.status === 'idle'); }}"""
# every code cell executed (or one failed: Run All stops there) and the kernel idle again
RUN_DONE_JS = f"""(path) => {{ if (!({KERNEL_IDLE_JS})(path)) return false;
    const cells = [...({PANEL_JS})(path).content.model.cells].filter(c => c.type === 'code');
    return cells.some(c => c.outputs.toJSON().some(o => o.output_type === 'error'))
        || cells.every(c => c.executionCount !== null); }}"""
ERRORS_JS = f"""(path) => [...({PANEL_JS})(path).content.model.cells].filter(c => c.type === 'code')
    .flatMap(c => c.outputs.toJSON().filter(o => o.output_type === 'error')
    .map(o => c.sharedModel.getSource() + '\\n' + o.ename + ': ' + o.evalue + '\\n' + o.traceback.join('\\n')))"""
# the texts of the elements matching `sel` inside `root` equal `expected` and the kernel is idle
TEXTS_ARE_JS = f"""([path, root, sel, expected]) => ({KERNEL_IDLE_JS})(path)
    && JSON.stringify([...root.querySelectorAll(sel)].map(e => e.textContent.trim())) === JSON.stringify(expected)"""
# evaluate a Python expression in the notebook's kernel (user_expressions: nothing shown, no history)
KERNEL_EVAL_JS = f"""async ([path, expr]) => {{ const k = ({PANEL_JS})(path).sessionContext.session.kernel;
    const reply = await k.requestExecute({{code: '', silent: true, store_history: false, user_expressions: {{v: expr}}}}).done;
    const v = reply.content.user_expressions.v;
    return v.status === 'ok' ? v.data['text/plain'] : 'error: ' + v.ename + ': ' + v.evalue; }}"""
TEXTS_JS = "([root, sel]) => [...root.querySelectorAll(sel)].map(e => e.textContent.trim())"
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # colours in kernel tracebacks
# a slider description cut off with an ellipsis
TRUNCATED_JS = "(el) => el.scrollWidth > el.clientWidth"


# --------------------------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def chromium() -> str:
    _, reason = ensure_chromium()  # installs Debian's chromium when missing and we are root
    if not Path(CHROMIUM).exists():
        reason = reason or f"{CHROMIUM} is not installed"
        print(f"jupyterlab browser test skipped: {reason}")
        pytest.skip(f"Debian's chromium is needed at {CHROMIUM}: {reason}")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    home = tmp_path_factory.mktemp("chromium-home")  # its crash-report database and caches, not ~/.config
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_FLAGS, env=env, timeout=120_000)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="module")
def lab(chromium):
    """One JupyterLab for the module (started only when there is a browser to open it)."""
    with JupyterLab([NOTEBOOKS / NB04, NOTEBOOKS / NB05]) as server:
        yield server


@pytest.fixture(scope="module")
def demo():
    """The demo client and the period the notebooks pick with their default parameters."""
    client = smk.load_client(ROOT / "data" / "demo")
    return client, client.default_period()


class Notebook:
    """A notebook opened in JupyterLab, all cells run; helpers for its widgets."""

    def __init__(self, lab: JupyterLab, browser, path: str):
        self.lab, self.path = lab, path
        self.external: list[str] = []   # requests that tried to leave 127.0.0.1 (aborted)
        self.page_errors: list[str] = []
        self.context = browser.new_context(viewport={"width": 1400, "height": 1000})
        self.context.set_default_timeout(ACTION_TIMEOUT)
        self.context.route("**/*", self._only_local)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))

    def _only_local(self, route) -> None:
        url = route.request.url
        if urlsplit(url).scheme in ("data", "blob") or urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def wait(self, js: str, arg, timeout: float) -> bool:
        """Wait for a page predicate; False (not an exception) on time-out, so the caller can assert
        on what the page shows instead."""
        try:
            self.page.wait_for_function(js, arg=arg, timeout=timeout, polling=250)
            return True
        except PlaywrightTimeout:
            return False

    def open_and_run_all(self) -> None:
        self.page.goto(self.lab.url(self.path), timeout=KERNEL_TIMEOUT)
        assert self.wait(KERNEL_IDLE_JS, self.path, KERNEL_TIMEOUT), \
            f"{self.path}: the kernel did not start\n{self.lab.log()[-3000:]}"
        self.page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        self.page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
        assert self.wait(RUN_DONE_JS, self.path, RUN_TIMEOUT), \
            f"{self.path}: the cells did not finish within {RUN_TIMEOUT / 1000:.0f} s\n{self.lab.log()[-3000:]}"
        errors = [ANSI.sub("", e) for e in self.page.evaluate(ERRORS_JS, self.path)]
        assert not errors, f"{self.path}: a cell failed:\n" + "\n\n".join(errors)

    def kernel_idle(self) -> bool:
        return self.wait(KERNEL_IDLE_JS, self.path, UPDATE_TIMEOUT)

    def kernel_eval(self, expression: str):
        """The value of a Python literal expression evaluated in the notebook's kernel."""
        assert self.kernel_idle()
        text = self.page.evaluate(KERNEL_EVAL_JS, [self.path, expression])
        assert not text.startswith("error: "), text
        return ast.literal_eval(text)

    def cell(self, source: str):
        """The code cell whose source is ``source`` (scrolled into view)."""
        cell = self.page.locator(".jp-CodeCell", has=self.page.locator(".jp-InputArea-editor", has_text=source))
        assert cell.count() == 1, f"{self.path}: {cell.count()} cells hold {source!r}"
        cell.scroll_into_view_if_needed()
        return cell

    def texts(self, root, selector: str) -> list[str]:
        return self.page.evaluate(TEXTS_JS, [root.element_handle(), selector])

    def wait_texts(self, root, selector: str, expected: list[str], timeout: float = UPDATE_TIMEOUT) -> list[str]:
        """Wait until the elements ``selector`` inside ``root`` show ``expected`` with the kernel
        idle; return what they show then (the caller asserts)."""
        self.wait(TEXTS_ARE_JS, [self.path, root.element_handle(), selector, expected], timeout)
        return self.texts(root, selector)

    def close(self) -> None:
        try:
            self.context.close()
        finally:
            for session in self.lab.api("GET", "sessions"):  # free the kernel (two cores)
                if session.get("path") == self.path:
                    self.lab.api("DELETE", f"sessions/{session['id']}")


def opened(lab: JupyterLab, browser, path: str):
    """Fixture body: the notebook opened and run; afterwards, nothing left 127.0.0.1 and the page
    raised no uncaught error; the page and the kernel closed on every way out."""
    nb = Notebook(lab, browser, path)
    try:
        nb.open_and_run_all()
        yield nb
        assert nb.external == [], f"requests left 127.0.0.1: {nb.external}"
        assert nb.page_errors == [], f"uncaught errors in the page: {nb.page_errors}"
    finally:
        nb.close()


@pytest.fixture(scope="module")
def nb05(lab, browser):
    yield from opened(lab, browser, NB05)


@pytest.fixture(scope="module")
def nb04(lab, browser):
    yield from opened(lab, browser, NB04)


# --------------------------------------------------------------------------------------------
# moving a slider as a user does
# --------------------------------------------------------------------------------------------
def slider(out, description: str):
    """The slider whose description is ``description`` inside the output ``out``."""
    found = out.locator(".widget-hslider").filter(
        has=out.page.locator(".widget-label", has_text=re.compile(rf"^{re.escape(description)}$")))
    assert found.count() == 1, f"{found.count()} sliders described {description!r}"
    return found


def press_right(nb: Notebook, s) -> None:
    """One step to the right with the keyboard (the handle focused)."""
    s.locator(".noUi-handle").focus()
    nb.page.keyboard.press("ArrowRight")


def drag_to_end(nb: Notebook, s) -> None:
    """Drag the handle with the mouse past the right end of the track."""
    handle, track = s.locator(".noUi-handle").bounding_box(), s.locator(".noUi-base").bounding_box()
    y = handle["y"] + handle["height"] / 2
    nb.page.mouse.move(handle["x"] + handle["width"] / 2, y)
    nb.page.mouse.down()
    nb.page.mouse.move(track["x"] + track["width"] + 40, y, steps=12)
    nb.page.mouse.up()


def type_value(nb: Notebook, s, text: str | None) -> None:
    """Click the value box next to the slider, type ``text`` (None: leave what it shows), Enter."""
    s.locator(".widget-readout").click()
    if text is not None:
        nb.page.keyboard.press("Control+A")
        nb.page.keyboard.type(text)
    else:
        nb.page.keyboard.press("End")
    nb.page.keyboard.press("Enter")


def readout(s) -> str:
    return s.locator(".widget-readout").inner_text().strip()


def readout_number(s) -> float:
    """The value the slider's box shows, as a number (thousands separators of English removed)."""
    return float(readout(s).replace(",", ""))


def handle_value(s) -> float:
    return float(s.locator(".noUi-handle").get_attribute("aria-valuenow"))


def bounds(s) -> tuple[float, float]:
    """The slider's (min, max) as its handle states them."""
    handle = s.locator(".noUi-handle")
    return float(handle.get_attribute("aria-valuemin")), float(handle.get_attribute("aria-valuemax"))


# --------------------------------------------------------------------------------------------
# 05: attempt costs
# --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def attempts_result(demo):
    client, period = demo
    return attempts.analyse(client, period), client.config.currency


def cost_line(res, currency: str, hourly: float, per_hour: float) -> tuple[str, int]:
    """What 05's widget must say for these sliders, computed here: (the line, K)."""
    cost = attempts.cost_per_attempt(hourly, per_hour)
    k = int(attempts.attempt_value(res.hazard, res.avg_revenue, cost, min_group_size=res.min_group_size)
            .attrs["recommended"])
    line = texts.t("attempts.explorer.label", LANG, cost=fmt.money(cost, currency, LANG, 2), k=k)
    return line.replace("**", ""), k


def test_05_cost_sliders_recompute_the_recommended_attempts(nb05, attempts_result):
    res, currency = attempts_result
    out = nb05.cell(EXPLORER).locator(".jp-Cell-outputArea")
    hourly = slider(out, texts.t("attempts.explorer.hourly", LANG))
    per_hour = slider(out, texts.t("attempts.explorer.per_hour", LANG))
    label, chart = out.locator(".widget-html-content"), out.locator(".widget-output img")

    def check(h: float, a: float) -> int:
        line, k = cost_line(res, currency, h, a)
        assert nb05.wait_texts(out, ".widget-html-content", [line]) == [line], (h, a)
        assert label.locator("strong").inner_text() == str(k)
        return k

    # as opened: client.yml's cost assumptions
    assert (readout_number(hourly), readout_number(per_hour)) == (res.rep_hourly_cost, res.attempts_per_hour)
    k0 = check(res.rep_hourly_cost, res.attempts_per_hour)
    assert k0 == res.recommended == 8  # the report's K on the demo client
    chart0 = chart.get_attribute("src")
    assert chart0.startswith("data:image/png;base64,")

    # the keyboard: one step up the hourly cost (no step set, so noUiSlider's default: a tenth of the range)
    press_right(nb05, hourly)
    lo, hi = bounds(hourly)
    assert readout_number(hourly) == pytest.approx(res.rep_hourly_cost + (hi - lo) / 10, abs=0.005)
    check(readout_number(hourly), res.attempts_per_hour)
    assert chart.get_attribute("src") != chart0  # the cost line moved

    # the mouse: the hourly cost dragged to the end of the track
    drag_to_end(nb05, hourly)
    assert handle_value(hourly) == float(hourly.locator(".noUi-handle").get_attribute("aria-valuemax"))
    h_max = readout_number(hourly)
    check(h_max, res.attempts_per_hour)

    # the value box: one attempt per hour, so each attempt costs the whole hourly cost
    chart_before = chart.get_attribute("src")
    type_value(nb05, per_hour, "1")
    assert readout_number(per_hour) == 1.0
    k = check(h_max, 1.0)
    assert k != k0, "the costs tried do not change K: the check above could not fail"
    assert nb05.kernel_idle() and chart.get_attribute("src") != chart_before


def test_05_value_boxes_keep_the_value_they_show(nb05):
    """Control for 04's test of the same name: Enter in an unchanged value box changes nothing."""
    out = nb05.cell(EXPLORER).locator(".jp-Cell-outputArea")
    for description in (texts.t("attempts.explorer.hourly", LANG), texts.t("attempts.explorer.per_hour", LANG)):
        s = slider(out, description)
        before = (readout(s), handle_value(s))
        type_value(nb05, s, None)
        assert nb05.kernel_idle()
        assert (readout(s), handle_value(s)) == before, description


def test_05_slider_descriptions_are_readable(nb05):
    out = nb05.cell(EXPLORER).locator(".jp-Cell-outputArea")
    labels = out.locator(".widget-hslider .widget-label")
    cut = [labels.nth(i).inner_text() for i in range(labels.count())
           if labels.nth(i).evaluate(TRUNCATED_JS)]
    assert cut == []


# --------------------------------------------------------------------------------------------
# 04: the quota and the MQL goal
# --------------------------------------------------------------------------------------------
#: What 04's explorer holds in the kernel: the values of its sliders (quota, marketing share, then
#: one close rate per lead type, in the order of the analysis' value table).
HELD_04 = ("[c.value for c in next(x for x in reversed(ctx.shown) if hasattr(x, 'children')).children"
           " if hasattr(c, 'readout_format')]")
TYPES_CELLS = ".widget-output table tbody td:first-child"
MQLS_CELLS = ".widget-output table tbody td:last-child"


def needed_table(goal: dict) -> tuple[list[str], list[str]]:
    """A goal's MQLs-needed table: (lead type codes, the MQLs needed column as 04's explorer shows it)."""
    needed = goal["needed"]
    return list(needed["lead_type"]), [fmt.number(n, LANG) for n in needed["mqls_needed_ceil"]]


def goal_for(client, period: str, held: list[float]) -> dict:
    """``monthly_mql_goal`` computed here for the values the explorer's sliders hold (:data:`HELD_04`)."""
    lead_types = list(monthly_mql_goal(client, period)["values"]["lead_type"])
    assert len(held) == 2 + len(lead_types), held
    return monthly_mql_goal(client, period, quota=held[0], quota_share=held[1],
                            close_rates=dict(zip(lead_types, held[2:])))


def check_goal_shown(nb: Notebook, out, client, period: str) -> tuple[list[str], dict]:
    """Assert that the explorer's table shows the goal computed here for what its sliders hold;
    return (the MQLs shown, that goal). The sliders are read again until they stop changing (the
    browser may still be sending values)."""
    deadline = time.monotonic() + UPDATE_TIMEOUT / 1000
    while True:
        held = nb.kernel_eval(HELD_04)
        goal = goal_for(client, period, held)
        types, mqls = needed_table(goal)
        shown = nb.wait_texts(out, MQLS_CELLS, mqls, timeout=15_000)
        if (shown == mqls and nb.kernel_eval(HELD_04) == held) or time.monotonic() > deadline:
            break
    assert shown == mqls, held
    assert len(nb.texts(out, TYPES_CELLS)) == len(types)  # one row per lead type and the mix (labels: the view's)
    return shown, goal


def test_04_explorer_opens_on_the_reports_goal(nb04, demo):
    client, period = demo
    out = nb04.cell(EXPLORER).locator(".jp-Cell-outputArea")
    report = monthly_mql_goal(client, period)
    _, mqls = needed_table(report)
    assert nb04.wait_texts(out, MQLS_CELLS, mqls, timeout=30_000) == mqls
    values = report["values"]
    # the sliders hold the report's values, up to the float error of noUiSlider, which keeps a position
    # as a percentage of the range (0.0446927374301676 comes back as 0.044692737430167585); a step
    # would move them by far more (0.33 to 0.35, 0.0447 to 0.045)
    held = nb04.kernel_eval(HELD_04)
    assert held == pytest.approx([report["quota"], report["quota_share"], *values["close_rate"]], rel=1e-12, abs=0)


def test_04_quota_slider_moves_the_mql_goal(nb04, demo):
    client, period = demo
    out = nb04.cell(EXPLORER).locator(".jp-Cell-outputArea")
    quota = slider(out, texts.t("sla.explorer.quota", LANG))

    # as opened: the period's quota and the report's goal for the mix
    report = monthly_mql_goal(client, period)
    assert readout_number(quota) == report["quota"] == 234_000  # the demo's quota for the month
    mqls0, goal0 = check_goal_shown(nb04, out, client, period)
    assert goal0["quota"] == pytest.approx(report["quota"], rel=1e-12)
    assert mqls0[-1] == fmt.number(report["goal"], LANG) == "128"

    # the keyboard: one step up
    press_right(nb04, quota)
    assert readout_number(quota) > report["quota"]
    mqls1, goal1 = check_goal_shown(nb04, out, client, period)
    assert readout(quota) == f"{goal1['quota']:.0f}"  # a plain number: the box reads it back
    assert mqls1 != mqls0

    # the mouse: dragged to the end of the track
    drag_to_end(nb04, quota)
    assert handle_value(quota) == float(quota.locator(".noUi-handle").get_attribute("aria-valuemax"))
    mqls2, goal2 = check_goal_shown(nb04, out, client, period)
    assert readout(quota) == f"{goal2['quota']:.0f}"  # a plain number: the box reads it back
    # by hand: the mix's MQLs needed grow in proportion to the quota
    assert goal2["quota"] > goal1["quota"]
    assert abs(float(mqls2[-1].replace(",", "")) - goal0["mqls_needed"] * goal2["quota"] / goal0["quota"]) < 1

    # the descriptions fit (the sliders have a wide description column)
    labels = out.locator(".widget-hslider .widget-label")
    assert [labels.nth(i).inner_text() for i in range(labels.count()) if labels.nth(i).evaluate(TRUNCATED_JS)] == []


def test_04_value_boxes_keep_the_value_they_show(nb04):
    """An analyst clicks the value box of a slider and presses Enter (or types the number as shown)."""
    out = nb04.cell(EXPLORER).locator(".jp-Cell-outputArea")
    sliders = out.locator(".widget-hslider")
    changed = {}
    for i in range(sliders.count()):
        s = sliders.nth(i)
        before = (readout(s), handle_value(s))
        type_value(nb04, s, None)
        assert nb04.kernel_idle()
        after = (readout(s), handle_value(s))
        if after != before:
            changed[s.locator(".widget-label").inner_text()] = (before, after)
    assert changed == {}, json.dumps(changed, ensure_ascii=False)
