import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MOVED = ("notification", "notificationsettings", "watch")


def move_content_types(apps, schema_editor, source="forum", target="notifications"):
    """Admin history and permissions follow the models to their new app."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label=target, model__in=MOVED).exists():
        return
    ContentType.objects.filter(app_label=source, model__in=MOVED).update(
        app_label=target
    )


def move_content_types_back(apps, schema_editor):
    move_content_types(apps, schema_editor, source="notifications", target="forum")


class Migration(migrations.Migration):
    """Take over the forum's notification models with their tables and rows
    (forum 0013 drops them from the forum's state)."""

    initial = True

    dependencies = [
        ('accounts', '0005_language_time_zone'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('forum', '0012_topic_list_days_category_locks'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='NotificationSettings',
                    fields=[
                        ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='notification_settings', serialize=False, to=settings.AUTH_USER_MODEL)),
                        ('auto_watch', models.BooleanField(default=True)),
                        ('email_follow_up', models.CharField(choices=[('now', 'Email at once'), ('digest', 'In the daily digest'), ('never', 'No email')], default='now', max_length=6)),
                        ('email_mention', models.CharField(choices=[('now', 'Email at once'), ('digest', 'In the daily digest'), ('never', 'No email')], default='now', max_length=6)),
                        ('email_quote', models.CharField(choices=[('now', 'Email at once'), ('digest', 'In the daily digest'), ('never', 'No email')], default='now', max_length=6)),
                        ('email_reply', models.CharField(choices=[('now', 'Email at once'), ('digest', 'In the daily digest'), ('never', 'No email')], default='now', max_length=6)),
                        ('email_watched', models.CharField(choices=[('now', 'Email at once'), ('digest', 'In the daily digest'), ('never', 'No email')], default='digest', max_length=6)),
                        ('email_moderation', models.CharField(choices=[('now', 'Email at once'), ('digest', 'In the daily digest'), ('never', 'No email')], default='now', max_length=6)),
                        ('digest', models.BooleanField(default=True)),
                        ('last_digest_on', models.DateField(blank=True, null=True)),
                    ],
                    options={
                        'verbose_name_plural': 'notification settings',
                        'db_table': 'forum_notificationsettings',
                        'constraints': [models.CheckConstraint(condition=models.Q(('email_follow_up__in', ['now', 'digest', 'never'])), name='notificationsettings_email_follow_up'), models.CheckConstraint(condition=models.Q(('email_mention__in', ['now', 'digest', 'never'])), name='notificationsettings_email_mention'), models.CheckConstraint(condition=models.Q(('email_moderation__in', ['now', 'digest', 'never'])), name='notificationsettings_email_moderation'), models.CheckConstraint(condition=models.Q(('email_quote__in', ['now', 'digest', 'never'])), name='notificationsettings_email_quote'), models.CheckConstraint(condition=models.Q(('email_reply__in', ['now', 'digest', 'never'])), name='notificationsettings_email_reply'), models.CheckConstraint(condition=models.Q(('email_watched__in', ['now', 'digest', 'never'])), name='notificationsettings_email_watched')],
                    },
                ),
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('follow_up', "A facilitator's question to you"), ('mention', 'Mentioned you'), ('quote', 'Quoted you'), ('reply', 'Replied to you'), ('watched', 'New post where you watch'), ('post_hidden', 'Your post was hidden'), ('post_unhidden', 'Your post is shown again'), ('report_handled', 'Your report was handled')], max_length=20)),
                        ('actor_name', models.CharField(blank=True, max_length=150)),
                        ('reason', models.TextField(blank=True)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('read_at', models.DateTimeField(blank=True, null=True)),
                        ('withdrawn', models.BooleanField(default=False)),
                        ('email_state', models.CharField(choices=[('none', 'No email'), ('queued', 'Waiting to be sent'), ('sending', 'Being sent'), ('sent', 'Sent'), ('digest', 'Waiting for the daily digest'), ('digested', 'Sent in a digest')], default='none', max_length=10)),
                        ('actor', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('post', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='forum.post')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                        ('topic', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='forum.topic')),
                    ],
                    options={
                        'db_table': 'forum_notification',
                        'indexes': [models.Index(fields=['recipient', '-created_at', '-id'], name='notification_list_idx'), models.Index(condition=models.Q(('read_at__isnull', True), ('withdrawn', False)), fields=['recipient'], name='notification_unread_idx'), models.Index(condition=models.Q(('email_state', 'digest')), fields=['recipient', 'topic'], name='notification_digest_idx')],
                        'constraints': [models.UniqueConstraint(fields=('recipient', 'kind', 'post'), name='notification_unique')],
                    },
                ),
                migrations.CreateModel(
                    name='Watch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('level', models.CharField(choices=[('watching', 'Notify me of every new post'), ('digest', "A daily digest of this dialogue's new posts"), ('muted', 'Not watching')], default='watching', max_length=10)),
                        ('digest_up_to', models.PositiveIntegerField(default=0)),
                        ('created_at', models.DateTimeField(auto_now_add=True)),
                        ('category', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='watches', to='forum.category')),
                        ('topic', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='watches', to='forum.topic')),
                        ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='watches', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'db_table': 'forum_watch',
                        'indexes': [models.Index(fields=['topic', 'level'], name='watch_topic_idx'), models.Index(fields=['category', 'level'], name='watch_category_idx')],
                        'constraints': [models.CheckConstraint(condition=models.Q(models.Q(('category__isnull', True), ('topic__isnull', False)), models.Q(('category__isnull', False), ('topic__isnull', True)), _connector='OR'), name='watch_topic_or_category'), models.CheckConstraint(condition=models.Q(('category__isnull', True), ('level', 'watching'), _connector='OR'), name='watch_category_level'), models.UniqueConstraint(condition=models.Q(('topic__isnull', False)), fields=('user', 'topic'), name='watch_unique_topic'), models.UniqueConstraint(condition=models.Q(('category__isnull', False)), fields=('user', 'category'), name='watch_unique_category')],
                    },
                ),
                ],
            database_operations=[
                migrations.RunPython(move_content_types, move_content_types_back),
            ],
        ),
    ]
