"""report.html in a real browser: Debian's chromium, headless, driven by Selenium through
Debian's chromedriver (both installed by ``make setup``). The page loads without console
errors, hovering an edge label or a node shows its card with the numbers of the result
object, and a table sorts numerically on a click."""

from __future__ import annotations

import os
import shutil

import pytest

selenium = pytest.importorskip("selenium", reason="pip install -e '.[test]' (make setup)")

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402

from dynena.report.flipflop import write_flipflop_report  # noqa: E402


@pytest.fixture(scope="module")
def browser():
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        if os.environ.get("DYNENA_NO_BROWSER"):
            pytest.skip("DYNENA_NO_BROWSER is set")
        pytest.fail("Debian's chromium and chromium-driver are not installed: make setup")
    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
              "--window-size=1400,1200"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(driver), options=opts)
    yield d
    d.quit()


@pytest.fixture(scope="module")
def page(flipflop, tmp_path_factory):
    m, a = flipflop
    out = tmp_path_factory.mktemp("report")
    files = write_flipflop_report(out, a, m, overwrite=True)
    return files["html"], a


def _hover(d, element_id: str) -> str:
    el = d.find_element(By.ID, element_id)
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", el)
    ActionChains(d).move_to_element(el).perform()
    card = d.find_element(By.ID, "card")
    assert card.is_displayed()
    return card.text


def test_the_page_loads_and_hover_cards_show_the_results_numbers(browser, page):
    path, a = page
    browser.get(path.resolve().as_uri())
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert severe == []
    net = a.network
    for k, c in enumerate(net.connections, start=1):
        if c.target not in net.node_ids or k % 5:
            continue  # every fifth edge: hovering is slow
        text = _hover(browser, f"label-{k}")
        assert f"#{k}: {c.source} → {c.target}" in text
        assert f"threshold {c.threshold:.7g}" in text
        assert f"trajectories {c.trajectories}" in text
    for node in net.node_ids[::3]:
        text = _hover(browser, f"node-{node}")
        z = ", ".join(f"{v:+.3f}" for v in net.readout[node])
        assert node in text and f"read-out {z}" in text
    assert [e for e in browser.get_log("browser") if e["level"] == "SEVERE"] == []


def test_tables_sort_numerically(browser, page):
    path, a = page
    browser.get(path.resolve().as_uri())
    header = browser.find_elements(By.CSS_SELECTOR, "#connections th")
    col = [h.text for h in header].index("threshold δ")
    header[col].click()
    rows = browser.find_elements(By.CSS_SELECTOR, "#connections tbody tr")
    got = [float(r.find_elements(By.TAG_NAME, "td")[col].text) for r in rows]
    assert got == sorted(float(f"{c.threshold:.7g}") for c in a.network.connections)
    header[col].click()  # descending
    rows = browser.find_elements(By.CSS_SELECTOR, "#connections tbody tr")
    got = [float(r.find_elements(By.TAG_NAME, "td")[col].text) for r in rows]
    assert got == sorted(got, reverse=True)
