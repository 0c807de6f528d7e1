"""The coordinator page and the API docs in a real headless browser (Debian's chromium through
Playwright), against a real server on loopback, with every non-local request blocked."""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import running_server

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not __import__("os").path.exists(CHROMIUM):
        pytest.skip("no chromium browser: install it with `apt-get install -y chromium` "
                    "(.ci/run does this as root)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture()
def page(browser: Any, base_url: str) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    outside: list[str] = []
    errors: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(base_url):
            r.continue_()
        else:
            outside.append(r.request.url)
            r.abort()
    context.route("**/*", route)
    pg = context.new_page()
    pg.on("pageerror", lambda e: errors.append(str(e)))
    # the pages run under the service's Content-Security-Policy: anything it blocks is an error
    pg.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    pg.set_default_timeout(10_000)
    yield pg
    context.close()
    assert not outside, f"the page asked for external resources: {outside}"
    assert not errors, f"JavaScript errors: {errors}"


def test_page_answers_a_group_in_spanish_then_english(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    assert page.locator("html").get_attribute("lang") == "es"
    assert page.locator("#check").inner_text() == "Consultar elegibilidad"
    # municipality search by name
    page.fill("#territory-search", "chilpancingo")
    page.locator("#territory-results li[role=option]").first.click()
    assert page.input_value("#territory") == "12029"
    assert "Chilpancingo de los Bravo" in page.inner_text("#territory-chosen")
    page.fill("#as-of", "2017-06-30")
    page.select_option("#locality", "rural")
    page.select_option("#organisation", "informal")
    # edit the members table: five PROSPERA women in poverty
    for i in range(5):
        if i:
            page.click("#add-member")
        row = page.locator("#members tbody tr").nth(i)
        row.locator("[data-field=age]").fill(str(25 + i))
        row.locator("[data-field=sex]").select_option("F")
        row.locator("[data-field=prospera]").select_option("true")
        row.locator("[data-field=poverty]").select_option("true")
    page.click("#check")
    page.wait_for_selector("article.programme")
    articles = page.locator("article.programme")
    assert articles.count() == 5
    statuses = {articles.nth(i).get_attribute("data-program"): articles.nth(i).get_attribute("data-status")
                for i in range(5)}
    assert statuses["red-oportunidades-empresariales"] == "not_applicable"  # a Mexican group
    assert set(statuses.values()) <= {"eligible", "not_eligible", "cannot_tell", "not_applicable", "not_in_force"}
    proinpro = page.locator("article[data-program=proinpro]")
    assert proinpro.locator("tr[data-criterion]").count() >= 5
    assert "PROINPRO" in proinpro.locator("td.source").first.inner_text()
    badge = proinpro.locator(".badge").inner_text()
    assert badge in ("Elegible", "No elegible", "No se puede determinar")
    # the English switch relabels the form and asks the engine again in English
    page.click("#lang-en")
    # locator assertions, not wait_for_function: a string predicate is eval'd, which the page's
    # Content-Security-Policy forbids
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(page.locator("#check")).to_have_text("Check eligibility")
    expect(page.locator("article[data-program=proinpro] .badge")).to_have_text(
        re.compile("^(Eligible|Not eligible|Cannot tell)$"))
    assert page.locator("html").get_attribute("lang") == "en"
    page.click("#lang-es")  # leave the stored preference as the default


def test_page_shows_field_errors_and_suggestions(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.fill("#territory", "12029")
    page.locator("#members tbody tr").first.locator("[data-field=age]").fill("130")
    page.click("#check")
    page.wait_for_selector("#problems:not([hidden])")
    # in Spanish, the field by its label and the member counted from 1
    assert "integrante 1, edad: debe ser a lo más 120" in page.inner_text("#problems")
    assert page.locator("[data-path='members[0].age']").get_attribute("aria-invalid") == "true"
    # unknown code: 404 with clickable suggestions
    page.locator("#members tbody tr").first.locator("[data-field=age]").fill("30")
    page.fill("#territory", "12O29")
    page.click("#check")
    page.wait_for_selector("#problems button.link")
    page.locator("#problems button.link", has_text="12029").click()
    page.wait_for_selector("article.programme")
    assert page.input_value("#territory") == "12029"


def test_page_api_docs_work_offline(page: Any, base_url: str) -> None:
    page.goto(base_url + "/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() >= 7
    page.goto(base_url + "/redoc")
    page.get_by_text("/v1/eligibility/batch").first.wait_for()


def test_page_form_is_built_from_the_fact_vocabulary(page: Any, base_url: str) -> None:
    # every fact a group states has its field, labelled as the vocabulary labels it; a project
    # entered there is judged (3x1 eligible)
    from engine.facts import GROUP_INPUT, MEMBER_FACTS
    page.goto(base_url + "/")
    headers = page.locator("#members thead th[data-fact-label]").all_inner_texts()
    assert headers == [f.label["es"][0].upper() + f.label["es"][1:] for f in MEMBER_FACTS.values()]
    for spec in GROUP_INPUT.values():
        assert page.locator(f"[data-path='{'.'.join(spec.path)}']").count() == 1, spec.name
    page.fill("#territory", "32010")
    page.fill("#as-of", "2006-05-01")
    page.click("details:has(#project-facts) summary")
    page.select_option("#project-proposer", "migrant_club")
    page.fill("#project-proposer_country", "us")
    for level in ("federal", "state", "municipal", "migrant"):
        page.fill(f"#project-{level}", "250000")
    page.click("#check")
    page.wait_for_selector("article[data-program='3x1-migrantes']")
    assert page.locator("article[data-program='3x1-migrantes']").get_attribute("data-status") == "eligible"
    page.click("#lang-en")
    page.wait_for_function("document.querySelector('#members thead th[data-fact-label]').textContent === 'Age'")
    page.click("#lang-es")


def test_page_shows_new_statuses_suggestions_and_prints_the_answer_only(page: Any, base_url: str) -> None:
    page.goto(base_url + "/")
    page.fill("#territory", "12029")
    page.fill("#as-of", "2017-06-30")
    page.select_option("#locality", "rural")
    page.select_option("#organisation", "informal")
    for i in range(4):  # four PROSPERA women: PROINPRO needs five
        if i:
            page.click("#add-member")
        row = page.locator("#members tbody tr").nth(i)
        row.locator("[data-field=age]").fill(str(30 + i))
        row.locator("[data-field=sex]").select_option("F")
        row.locator("[data-field=prospera]").select_option("true")
        row.locator("[data-field=poverty]").select_option("true")
    page.click("#check")
    page.wait_for_selector("article.programme")
    panama = page.locator("article[data-program=red-oportunidades-empresariales]")
    assert panama.locator(".badge").inner_text() == "No aplica"
    assert "No aplica" in panama.locator("p.why").inner_text()
    proinpro = page.locator("article[data-program=proinpro]")
    assert proinpro.get_attribute("data-status") == "not_eligible"
    steps = proinpro.locator(".suggestions li").all_inner_texts()
    assert any("Agregar 1 integrante" in s for s in steps), steps
    assert "en manos del grupo" in proinpro.locator(".suggestions .option").first.inner_text()
    counts = page.inner_text("p.counts")
    assert counts == "1 elegible, 2 no elegibles, 2 no aplican"  # Panama's, and 3x1 without a project
    # on paper: the answer and the date it was asked, without the form, the buttons or the header
    page.emulate_media(media="print")
    assert not page.locator("#group-form").is_visible() and not page.locator("#print").is_visible()
    assert not page.locator("header.top").is_visible()
    assert proinpro.is_visible() and page.locator("p.printed").is_visible()
    pdf = page.pdf(format="Letter")  # carta; A4 is taller and as wide within its margins
    assert pdf.startswith(b"%PDF")
    page.screenshot(path="/tmp/vincula-print.png", full_page=True)
    page.emulate_media(media="screen")
    assert page.locator("#group-form").is_visible()


def test_page_defaults_to_today_as_the_command_line_does_and_warns_when_nothing_is_in_force(
    page: Any, base_url: str
) -> None:
    import datetime as dt

    page.goto(base_url + "/")
    page.wait_for_function("document.querySelector('#as-of').value !== ''")
    assert page.input_value("#as-of") == dt.date.today().isoformat()
    page.fill("#territory", "12029")
    page.click("#check")
    page.wait_for_selector("#results h2")
    # every bundled programme's rules end by 2018: today none is in force, and the answer says so
    assert "ningún programa" in page.inner_text("#results").lower()
    assert dt.date.today().strftime("%d/%m/%Y") in page.inner_text("#results h2")  # as people write it
