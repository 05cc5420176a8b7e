"""The scans in PostgreSQL's plan of a statement, as run (EXPLAIN ANALYZE)."""

import json

from django.db import connection


def scans(sql: str) -> list[dict]:
    """Every scan node (its "Node Type", "Index Name", "Actual Rows", "Heap
    Fetches"...) of the plan PostgreSQL ran `sql` with."""
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        plan = cursor.fetchone()[0]
    plan = plan if isinstance(plan, list) else json.loads(plan)
    found = []

    def visit(node):
        if "Scan" in node["Node Type"]:
            found.append(node)
        for child in node.get("Plans", []):
            visit(child)

    visit(plan[0]["Plan"])
    return found
