"""Run nginx in the foreground with the forum's site, locally, as the current
user, over plain HTTP: the same server block as production
(forum-locations.conf), its configuration, pid, logs, temporary files and cache
under one directory. Used by make stack, the tests and the benchmark.

    python3 deploy/nginx/local.py DIR --port 8000 --upstream 127.0.0.1:8001 \\
        [--upstream 127.0.0.1:8002] --static-root STATIC_ROOT \\
        [--attachments-root ATTACHMENTS_DIR]

The process becomes nginx's master: SIGTERM stops it at once, SIGQUIT gracefully.
"""

import argparse
import getpass
import os
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Where the app keeps attachments, read as its settings read it (base.py).
DEFAULT_ATTACHMENTS = os.environ.get("ATTACHMENTS_DIR") or HERE.parents[1] / "uploads"

TEMPLATE = """\
{user}worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    client_body_temp_path {dir}/tmp/body;
    proxy_temp_path {dir}/tmp/proxy;
    fastcgi_temp_path {dir}/tmp/fastcgi;
    uwsgi_temp_path {dir}/tmp/uwsgi;
    scgi_temp_path {dir}/tmp/scgi;

    upstream forum_app {{
{servers}
        keepalive 16;
    }}
    proxy_cache_path {dir}/cache levels=1:2 keys_zone=forum:10m max_size=100m
                     inactive=10m use_temp_path=off;
    log_format forum '$remote_addr - [$time_local] "$request" $status '
                     '$body_bytes_sent rt=$request_time '
                     'cache=$upstream_cache_status up=$upstream_addr id=$request_id';
    access_log {dir}/access.log forum;

    server {{
        listen 127.0.0.1:{port};
        server_name _;
        set $forum_static_root {static_root}/;
        set $forum_attachments_root {attachments_root}/;
        set $forum_error_pages {errors};
        include {locations};
    }}
}}
"""


def write(
    directory: Path,
    *,
    port: int,
    upstreams: list[str],
    static_root: Path,
    attachments_root: Path | None = None,
) -> Path:
    """Write directory/nginx.conf (and the directories it names); its path.
    attachments_root is the app's ATTACHMENTS_DIR (default: as the app reads it,
    from the environment or its default)."""
    for sub in ("tmp", "cache"):
        (directory / sub).mkdir(parents=True, exist_ok=True)
    # Run as root, nginx would hand its workers to `nobody`, who cannot read this
    # private directory: they keep the current user, as when not root.
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    conf = directory / "nginx.conf"
    conf.write_text(
        TEMPLATE.format(
            user=user,
            dir=directory,
            port=port,
            servers="\n".join(f"        server {u};" for u in upstreams),
            static_root=Path(static_root).resolve(),
            attachments_root=Path(attachments_root or DEFAULT_ATTACHMENTS).resolve(),
            errors=HERE / "errors",
            locations=HERE / "forum-locations.conf",
        )
    )
    return conf


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", action="append", required=True)
    parser.add_argument("--static-root", type=Path, required=True)
    parser.add_argument("--attachments-root", type=Path)
    args = parser.parse_args()
    directory = args.directory.resolve()
    conf = write(
        directory,
        port=args.port,
        upstreams=args.upstream,
        static_root=args.static_root,
        attachments_root=args.attachments_root,
    )
    log = directory / "error.log"
    command = ["nginx", "-p", str(directory), "-c", str(conf), "-e", str(log)]
    os.execvp("nginx", [*command, "-g", "daemon off;"])


if __name__ == "__main__":
    main()
