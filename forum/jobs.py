"""The base of the scheduled commands (send_digests, close_dialogues): a timer or
`make run`'s loop runs them again and again, so a failed run must say so where
someone will see it, and must not stop the next one."""

import logging

from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger("forum.jobs")


class ScheduledCommand(BaseCommand):
    """A command whose failure is logged with its traceback through the site's
    logging (JSON lines, mail to ADMINS, Sentry) and ends it with exit status 1;
    the timer's next run goes ahead as usual."""

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except CommandError:
            raise
        except Exception as error:
            logger.exception("Scheduled job %s failed", self.job_name())
            raise CommandError(f"{self.job_name()} failed: {error!r}") from error

    def job_name(self) -> str:
        return self.__module__.rsplit(".", 1)[-1]
