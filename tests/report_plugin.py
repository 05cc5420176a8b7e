"""Pytest plugin: name the database the suite runs on in the report header.

Loaded with ``-p tests.report_plugin`` (see the Makefile).
"""


def pytest_report_header(config):
    try:
        from django.conf import settings

        db = settings.DATABASES["default"]
    except Exception as exc:  # settings not configured or broken
        return f"database: unknown ({exc.__class__.__name__})"

    engine = db.get("ENGINE", "")
    vendor = engine.rsplit(".", 1)[-1]
    if "postgresql" in engine:
        options = db.get("OPTIONS") or {}
        host = db.get("HOST") or options.get("host") or "local socket"
        port = db.get("PORT") or options.get("port")
        where = f"{host}:{port}" if port else str(host)
        return f"database: postgresql ({db.get('NAME')} on {where})"
    if "sqlite" in engine:
        return "database: sqlite"
    return f"database: {vendor} ({db.get('NAME')})"
