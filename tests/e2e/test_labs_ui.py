"""A clinician opens a chart whose lithium levels came in through the API: the high value is
highlighted, the positive drug screen says its confirmation is pending, the trend chart
shows every level against the reference band; then orders a test and enters a critical
result from the tablet."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import sign_in
from tests.e2e.test_schedule_ui import _api

pytestmark = pytest.mark.medications

LITHIUM = {"analyte": "Lithium", "unit": "mmol/L", "ref_low": 0.6, "ref_high": 1.2}


def _patient_with_levels(app_url: str) -> str:
    api, cleo = _api(app_url, "cleo")
    body = {"given_name": "Lucinda", "family_name": "Lithgow", "birth_date": "1979-07-07"}
    patient_id = api.post("/api/v1/patients", json=body, headers=cleo).json()["id"]
    order = {"test_code": "LITH", "test_name": "Lithium level", "specimen": "serum"}
    lithium = api.post(f"/api/v1/patients/{patient_id}/lab-orders", json=order, headers=cleo)
    now = datetime.now(UTC)
    levels = [
        LITHIUM | {"value": value, "resulted_at": (now - timedelta(days=days)).isoformat()}
        for value, days in [(0.8, 30), (1.4, 20), (0.9, 10)]
    ]
    stored = api.post(
        f"/api/v1/lab-orders/{lithium.json()['id']}/results",
        json={"results": levels},
        headers=cleo,
    )
    assert stored.status_code == 201, stored.text
    order = {"test_code": "UDS", "test_name": "Urine drug screen", "specimen": "urine"}
    screen = api.post(f"/api/v1/patients/{patient_id}/lab-orders", json=order, headers=cleo)
    result = {"analyte": "Cannabinoids", "qualitative": "positive", "cutoff": 50, "unit": "ng/mL"}
    stored = api.post(
        f"/api/v1/lab-orders/{screen.json()['id']}/results",
        json={"results": [result]},
        headers=cleo,
    )
    assert stored.status_code == 201, stored.text
    api.close()
    return str(patient_id)


def test_abnormal_highlighted_trend_and_entering_a_critical_result(
    page: Page, app_url: str
) -> None:
    patient_id = _patient_with_levels(app_url)
    sign_in(page, app_url, "cleo")
    page.goto(f"{app_url}/patients/{patient_id}")
    card = page.locator("#chart-labs")
    expect(card).to_contain_text("Lithium", timeout=30_000)

    high = card.locator(".lab-row[data-level=abnormal]").filter(has_text="1.4 mmol/L")
    expect(high).to_have_count(1)
    expect(high).to_contain_text("high")
    assert high.evaluate("row => getComputedStyle(row).backgroundColor") != "rgba(0, 0, 0, 0)"
    normal = card.locator(".lab-row[data-level=normal]").filter(has_text="0.8 mmol/L")
    expect(normal).to_have_count(1)
    screen = card.locator(".lab-row").filter(has_text="Cannabinoids")
    expect(screen).to_contain_text("confirmation pending")
    expect(screen).to_have_attribute("data-level", "abnormal")

    trend = page.locator("#lab-trend")
    expect(page.locator("#lab-analyte")).to_contain_text("Lithium")
    expect(trend.locator(".recharts-line")).to_have_count(1, timeout=20_000)
    expect(trend.locator(".recharts-line-dots circle")).to_have_count(3)
    expect(trend.locator(".recharts-reference-area")).to_have_count(1)
    card.scroll_into_view_if_needed()
    page.screenshot(path="test-results/labs-chart.png", full_page=True)

    card.locator("input[name=test_code]").fill("LITH")
    card.locator("#lab-test-name").fill("Lithium level (repeat)")
    card.locator("select[name=specimen]").select_option("serum")
    card.locator("#lab-order").click()
    expect(card.locator(".lab-order").filter(has_text="Lithium level (repeat)")).to_have_count(
        1, timeout=20_000
    )

    repeat = card.locator("select[name=order_id] option", has_text="repeat")
    card.locator("select[name=order_id]").select_option(repeat.get_attribute("value"))
    card.locator("input[name=analyte]").fill("Lithium")
    card.locator("input[name=value]").fill("2.1")
    card.locator("select[name=unit]").select_option("mmol/L")
    card.locator("input[name=ref_low]").fill("0.6")
    card.locator("input[name=ref_high]").fill("1.2")
    card.locator("input[name=critical_high]").fill("1.5")
    card.locator("#lab-enter").click()
    critical = card.locator(".lab-row[data-level=critical]")
    expect(critical).to_contain_text("2.1 mmol/L", timeout=20_000)
    expect(critical).to_contain_text("critical high")
    expect(trend.locator(".recharts-line-dots circle")).to_have_count(4)
