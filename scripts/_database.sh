# Shared by scripts/backup and scripts/restore (sourced, not run): reads
# DATABASE_URL as the app does, asks the app where uploaded files are kept, and
# finds the PostgreSQL client programs.

PROJECT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$PROJECT/.venv/bin/python}"
[[ -x "$PYTHON" ]] || PYTHON="python3"

die() {
    echo "$prog: error: $*" >&2
    exit 1
}
note() { echo "$prog: $*" >&2; }

# Sets DB_ENGINE, DB_NAME, DB_HOST, DB_PORT, DB_USER, DB_PASSWORD, DB_SSLMODE.
load_database_url() {
    local assignments
    assignments="$("$PYTHON" "$PROJECT/scripts/dburl.py")" || die "cannot read DATABASE_URL"
    eval "$assignments"
}

# Sets UPLOADS_STORAGE ("filesystem", or the class of another storage, such as
# S3Storage) and UPLOADS_DIR (the directory of the files, when on the file
# system), as the site's settings say (manage.py uploads_location).
load_uploads_location() {
    local assignments
    assignments="$("$PYTHON" "$PROJECT/manage.py" uploads_location)" ||
        die "cannot learn where uploaded files are kept (manage.py uploads_location)"
    eval "$assignments"
}

# The archive of uploaded files that goes with a database backup:
# forum-<stamp>.dump -> forum-<stamp>.uploads.tar.
uploads_archive_of() {
    echo "${1%.*}.uploads.tar"
}

# Print the path of a PostgreSQL client program (pg_dump, pg_restore): from
# PG_BINDIR, pg_config --bindir, the newest /usr/lib/postgresql/*/bin, or PATH.
pg_program() {
    local name="$1" dir
    for dir in "${PG_BINDIR:-}" "$(pg_config --bindir 2>/dev/null || true)" \
        "$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"; do
        if [[ -n "$dir" && -x "$dir/$name" ]]; then
            echo "$dir/$name"
            return 0
        fi
    done
    command -v "$name" 2>/dev/null || die "$name not found; install the PostgreSQL client
  (Debian: apt-get install postgresql-client) or set PG_BINDIR"
}

# Connection options for the PostgreSQL client programs; the password and SSL
# mode travel in the environment, never on the command line.
pg_connection_args() {
    PG_ARGS=(--dbname="$DB_NAME")
    [[ -n "$DB_HOST" ]] && PG_ARGS+=(--host="$DB_HOST")
    [[ -n "$DB_PORT" ]] && PG_ARGS+=(--port="$DB_PORT")
    [[ -n "$DB_USER" ]] && PG_ARGS+=(--username="$DB_USER")
    if [[ -n "$DB_PASSWORD" ]]; then export PGPASSWORD="$DB_PASSWORD"; fi
    if [[ -n "$DB_SSLMODE" ]]; then export PGSSLMODE="$DB_SSLMODE"; fi
    return 0
}

# Copy one SQLite database into another with SQLite's online backup API: a
# consistent copy even while the site is writing.
sqlite_copy() {
    "$PYTHON" - "$1" "$2" <<'PY'
import sqlite3
import sys

source, target = sys.argv[1], sys.argv[2]
with open(source, "rb") as f:
    if f.read(16) != b"SQLite format 3\x00":
        sys.exit(f"{source} is not an SQLite database")
src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
dst = sqlite3.connect(target)
with dst:
    src.backup(dst)
dst.close()
src.close()
PY
}
