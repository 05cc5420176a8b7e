"""Summaries of the hostile corpus and of the rendering worst cases, printed at
the end of the run from what each parametrised test recorded (also under xdist,
whose workers send each test's recorded properties back with its report)."""

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


def pytest_terminal_summary(terminalreporter):
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
