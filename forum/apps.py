from django.apps import AppConfig


class ForumConfig(AppConfig):
    name = "forum"
    verbose_name = "Forum"

    def ready(self):
        from django.db.backends.signals import connection_created

        from . import pagecache

        connection_created.connect(pagecache.install, dispatch_uid="forum.pagecache")
