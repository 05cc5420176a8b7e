"""What some tests measure, printed at the end of the run from the properties
each test recorded (record_property). Under xdist the workers send them back
with each test's report, so the summary covers the whole run; the hook is in
tests/conftest.py because the controller loads only that conftest."""

PAGE_WEIGHT = "page_weight"
HOSTILE_OUTCOME = "hostile_outcome"
RENDER_TIMING = "render_timing"


def _recorded(terminalreporter, name: str) -> list:
    return [
        value
        for report in terminalreporter.stats.get("passed", [])
        + terminalreporter.stats.get("failed", [])
        if report.when == "call"
        for recorded, value in report.user_properties
        if recorded == name
    ]


def write(terminalreporter) -> None:
    weights = [
        line for lines in _recorded(terminalreporter, PAGE_WEIGHT) for line in lines
    ]
    if weights:
        terminalreporter.section(
            "page weight: the demo's 22-post dialogue, a topic with ten photos"
        )
        for line in weights:
            terminalreporter.write_line(line)
    outcomes = _recorded(terminalreporter, HOSTILE_OUTCOME)
    if outcomes:
        terminalreporter.section("hostile corpus")
        terminalreporter.write_line(
            f"{len(outcomes)} payloads exercised: "
            f"{sum(o['posted'] for o in outcomes)} posted, "
            f"{sum(o['intact'] for o in outcomes)} stored intact, "
            f"{sum(o['executable'] for o in outcomes)} executable; quotes: "
            f"{sum(o['quoted'] for o in outcomes)} posted, "
            f"{sum(o['too_long'] for o in outcomes)} refused as over the limit, "
            f"{sum(o['quote_executable'] for o in outcomes)} executable"
        )
    timings = _recorded(terminalreporter, RENDER_TIMING)
    if timings:
        terminalreporter.section("rendering worst cases (CPU seconds), slowest first")
        for name, elapsed in sorted(timings, key=lambda timing: -timing[1]):
            terminalreporter.write_line(f"{elapsed:6.3f}  {name}")
