"""Print the database named by DATABASE_URL as shell variable assignments.

Read exactly as the app reads it (config/settings/base.py: dj_database_url, else
the SQLite file db.sqlite3 in the project), so percent-encoded socket directories
and query options work the same. Used by scripts/backup and scripts/restore:

    eval "$(python scripts/dburl.py)"

sets DB_ENGINE (postgresql or sqlite), DB_NAME, DB_HOST, DB_PORT, DB_USER,
DB_PASSWORD and DB_SSLMODE, each quoted for the shell.
"""

import shlex
import sys
from pathlib import Path

import dj_database_url

PROJECT = Path(__file__).resolve().parent.parent


def main() -> int:
    config = dj_database_url.config(default=f"sqlite:///{PROJECT / 'db.sqlite3'}")
    engine = config["ENGINE"].rsplit(".", 1)[-1]
    if engine.startswith("postgres"):
        engine = "postgresql"
    elif engine != "sqlite3":
        print(f"dburl: unsupported database engine {config['ENGINE']}", file=sys.stderr)
        return 2
    else:
        engine = "sqlite"
    values = {
        "DB_ENGINE": engine,
        "DB_NAME": str(config.get("NAME") or ""),
        "DB_HOST": str(config.get("HOST") or ""),
        "DB_PORT": str(config.get("PORT") or ""),
        "DB_USER": str(config.get("USER") or ""),
        "DB_PASSWORD": str(config.get("PASSWORD") or ""),
        "DB_SSLMODE": str(config.get("OPTIONS", {}).get("sslmode", "")),
    }
    for name, value in values.items():
        print(f"{name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
