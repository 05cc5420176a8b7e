#!/usr/bin/env python
import os
import sys

# Commands that run unattended beside the servers (the worker, the timers' jobs).
# With the development settings they would seem to work and do the wrong thing (a
# worker prints emails instead of sending them), so they run only with the
# settings named: config.settings.base in production, config.settings.dev for
# development (`make run` names it).
UNATTENDED = {
    "db_worker",
    "send_digests",
    "close_dialogues",
    "clearsessions",
    "delete_unattached_uploads",
    "prune_db_task_results",
}


def main() -> None:
    if "DJANGO_SETTINGS_MODULE" not in os.environ:
        command = sys.argv[1] if len(sys.argv) > 1 else ""
        if command in UNATTENDED:
            sys.exit(
                f"manage.py {command}: DJANGO_SETTINGS_MODULE is not set. Use "
                "DJANGO_SETTINGS_MODULE=config.settings.base in production (with "
                "its environment, docs/operations.md) or config.settings.dev "
                "for development."
            )
        os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.dev"
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
