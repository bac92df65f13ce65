"""Unit tests of what the web client computes itself (UK formats, CSV both ways, refusals in plain English),
run in the same Chromium against the modules as served, so `make test` needs no Node.js."""

from __future__ import annotations

from typing import Any

from playwright.async_api import Page


async def _run(page: Page, base: str, module: str, cases: list[list[Any]]) -> list[Any]:
    """Each case is [function name, ...arguments] ({"instant": iso} stands for a Date); answers what each call
    returned."""
    await page.goto(base + "/app/vendor/VERSIONS.txt")
    return await page.evaluate(
        """async ([url, cases]) => {
            const module = await import(url);
            const value = (arg) => (arg && arg.instant ? new Date(arg.instant) : arg);
            return cases.map(([name, ...args]) => module[name](...args.map(value)));
        }""", [f"{base}/app/{module}", cases])


async def test_dates_times_money_and_durations_are_in_uk_formats_in_london(served_suite: str, page: Page) -> None:
    cases: list[tuple[list[Any], Any]] = [
        (["formatDate", "2026-11-30"], "Mon 30 Nov 2026"),
        (["formatDate", "2026-09-01"], "Tue 1 Sep 2026"),
        (["formatDate", "2026-06-30T23:30:00Z"], "Wed 1 Jul 2026"),  # 00:30 in London (summer time)
        (["formatDate", "2026-12-31T23:30:00Z"], "Thu 31 Dec 2026"),  # winter: London is UTC
        (["formatDate", None], ""),
        (["formatTime", "14:05:00"], "14:05"),
        (["formatTime", "8:05"], "08:05"),
        (["formatTime", "2026-07-01T13:05:00+00:00"], "14:05"),
        (["formatDateTime", "2026-03-29T01:30:00Z"], "Sun 29 Mar 2026 at 02:30"),
        (["formatMoney", "1234.5"], "£1,234.50"),
        (["formatMoney", "1234567.891"], "£1,234,567.89"),
        (["formatMoney", "0.005"], "£0.01"),
        (["formatMoney", "-12"], "-£12.00"),
        (["formatMoney", "-0.001"], "£0.00"),
        (["formatMoney", 15.75], "£15.75"),
        (["formatMoney", ""], ""),
        (["formatDuration", 90], "1 h 30 min"),
        (["formatDuration", 45], "45 min"),
        (["formatDuration", 120], "2 h"),
        (["formatDuration", 0], "0 min"),
        (["formatHours", "12.50"], "12 h 30 min"),
        (["formatHours", "0.3333"], "20 min"),
        (["formatNumber", "1234.50"], "1,234.5"),
        (["formatPercent", "72.00"], "72%"),
        (["formatPercent", "93.50"], "93.5%"),
        (["todayInLondon", {"instant": "2026-06-30T23:30:00Z"}], "2026-07-01"),
        (["addDays", "2026-02-27", 2], "2026-03-01"),
        (["lastFourWeeks", "2026-11-30"], {"start": "2026-11-02", "end": "2026-11-29"}),
        (["lastFourWeeks", "2026-11-29"], {"start": "2026-10-26", "end": "2026-11-22"}),
        (["labelOf", "older_people"], "Older people"),
        (["labelOf", "cancelled_by_client"], "Cancelled by the person"),
        (["minutesBetween", "2026-11-30T09:00:00Z", "2026-11-30T10:20:59Z"], 80),
        (["timeLeft", "2026-11-30T10:20:30Z", {"instant": "2026-11-30T09:00:00Z"}], "1 h 20 min left"),
        (["timeLeft", "2026-11-30T09:00:00Z", {"instant": "2026-11-30T09:00:00Z"}], "due now"),
    ]
    got = await _run(page, served_suite, "format.js", [call for call, _ in cases])
    assert got == [want for _, want in cases]


async def test_csv_is_written_for_spreadsheets_and_read_back_whatever_its_line_endings(
    served_suite: str, page: Page
) -> None:
    written, parsed, crlf, bom = await _run(page, served_suite, "csv.js", [
        ["toCsv", [["Name", "Note"], ["Bluebell, Care", 'said "no"'], ["=SUM(A1)", "-12.00"]]],
        ["parseCsv", 'a,b\n"x, y","line\none"\n\n"say ""hi""",2\n'],
        ["parseCsv", "a,b\r\n1,2\r\n"],
        ["parseCsv", "\ufeffa\n1"],
    ])
    assert written == 'Name,Note\r\n"Bluebell, Care","said ""no"""\r\n\'=SUM(A1),-12.00\r\n'
    assert parsed == [["a", "b"], ["x, y", "line\none"], ['say "hi"', "2"]]
    assert crlf == [["a", "b"], ["1", "2"]]
    assert bom == [["a"], ["1"]]


ROTA = (
    "Visit ID,Client ref,Date,Planned start,Planned minutes,Actual start,Actual minutes,Carers,Outcome,Notice hours\n"
    "R-1,C-1,02/11/2026,08:00,45,08:04,43,1,Completed,\n"
    "R-2,C-1,2026-11-03,8.00,45,,,1,missed,\n"
    "R-3,C-1,2026-11-04,08:00,45,,,,Cancelled,3\n"
    "R-4,C-9,2026-11-04,08:00,45,,,1,delivered,\n"
    "R-5,C-1,31/02/2026,08:00,45,,,1,delivered,\n"
    ",C-1,2026-11-05,08:00,45,,,1,delivered,\n"
    "R-7,C-1,2026-11-05,08:00,45,,,1,asleep,\n"
)
PACKAGES = [{"id": "p-old", "client_ref": "C-1", "start_on": "2025-01-01", "end_on": "2026-10-31"},
            {"id": "p-new", "client_ref": "C-1", "start_on": "2026-11-01", "end_on": None}]


async def test_a_rota_csv_becomes_visits_with_a_reason_for_every_row_that_cannot_be_read(
    served_suite: str, page: Page
) -> None:
    [report, missing] = await _run(page, served_suite, "csv.js", [
        ["visitsFromRota", ROTA, PACKAGES], ["visitsFromRota", "Date,Outcome\n2026-11-02,x\n", []]])
    assert report["visits"] == [
        {"visit_id": "R-1", "package_id": "p-new", "date": "2026-11-02", "planned_start": "08:00",
         "planned_minutes": 45, "actual_start": "08:04", "actual_minutes": 43, "carers": 1, "outcome": "delivered",
         "notice_hours": None, "correction_reason": None},
        {"visit_id": "R-2", "package_id": "p-new", "date": "2026-11-03", "planned_start": "08:00",
         "planned_minutes": 45, "actual_start": None, "actual_minutes": None, "carers": 1, "outcome": "missed",
         "notice_hours": None, "correction_reason": None},
        {"visit_id": "R-3", "package_id": "p-new", "date": "2026-11-04", "planned_start": "08:00",
         "planned_minutes": 45, "actual_start": None, "actual_minutes": None, "carers": 1,
         "outcome": "cancelled_by_client", "notice_hours": "3", "correction_reason": None},
    ]
    assert report["rows"] == [1, 2, 3]
    assert [(p["row"], p["message"]) for p in report["problems"]] == [
        (4, "Row 4: no single package of yours is for C-9."),
        (5, 'Row 5: the date "31/02/2026" is not a date (use 2026-11-02 or 02/11/2026).'),
        (6, "Row 6: it has no visit id."),
        (7, 'Row 7: the outcome "asleep" is not one of delivered, missed, cancelled or frustrated.'),
    ]
    assert missing["problems"][0]["message"] == ("The header lacks the columns visit_id, planned_start, "
                                                 "planned_minutes, client_ref.")


async def test_refusals_are_said_in_plain_english_beside_the_fields_they_are_about(
    served_suite: str, page: Page
) -> None:
    fields = [{"name": "summary", "id": "summary", "label": "Summary", "required": "Enter a summary"},
              {"name": "x", "id": "action-1-due", "label": "Due by", "paths": ["actions.1.due_on"]},
              {"name": "minutes", "id": "minutes", "label": "Minutes", "types": ["short-visit"]}]
    validation = {"type": "https://homecare-suite.org/problems/validation", "title": "The request is not valid",
                  "errors": [{"field": "summary", "message": "String should have at least 1 character"},
                             {"field": "actions.1.due_on", "message": "Input should be a valid date"},
                             {"field": "contracts.0.starts_on", "message": "Value error, it overlaps another"},
                             {"field": "findings.2.outcome", "message": "Input should be 'good' or 'inadequate'"}]}
    rule = {"type": "https://homecare-suite.org/problems/short-visit", "title": "The visit is too short",
            "detail": "Visits under 30 minutes need all three NICE conditions"}
    [said, ruled, words] = await _run(page, served_suite, "problems.js", [
        ["problemMessages", validation, fields], ["problemMessages", rule, fields],
        ["pathInWords", "contracts.1.weekly_hours_cap"]])
    assert said["items"] == [
        {"text": "Enter a summary", "id": "summary"},
        {"text": "Due by must be a real date", "id": "action-1-due"},
        {"text": "It overlaps another", "id": None},
        {"text": "Select finding 3, outcome", "id": None},
    ]
    assert said["byField"] == {"summary": "Enter a summary", "action-1-due": "Due by must be a real date"}
    assert ruled["items"] == [{"text": "The visit is too short: Visits under 30 minutes need all three NICE "
                                       "conditions", "id": "minutes"}]
    assert words == "Contract 2, hours cap"
