from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self):
        from django.db.backends.signals import connection_created
        from django.db.models.signals import post_migrate

        from . import listdays, pagecache

        connection_created.connect(pagecache.install, dispatch_uid="forum.pagecache")
        post_migrate.connect(
            listdays.ensure, sender=self, dispatch_uid="forum.listdays"
        )
