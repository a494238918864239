"""CSV exports (charges, disclosures, audit trail, reports) never hand a spreadsheet a formula."""

import csv
import io

import pytest

from backend.lib.csv_cells import SafeWriter

pytestmark = pytest.mark.reliability


def test_cells_a_spreadsheet_would_run_are_quoted_and_the_rest_kept() -> None:
    buffer = io.StringIO()
    SafeWriter(buffer).writerows(
        [
            ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", "\tx", "Ada", None, 3],
            ["O'Brien", "Lee-Smith", "a=b", 0.5],
        ]
    )
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows[0] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        "'\tx",
        "Ada",
        "",
        "3",
    ]
    assert rows[1] == ["O'Brien", "Lee-Smith", "a=b", "0.5"]
