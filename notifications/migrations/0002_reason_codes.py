import re

from django.db import migrations, models

# The English sentences reasons were stored as before codes. Only this
# migration reads them back.
WATCHED_TOPIC = "You watch this topic."
NEW_TOPIC = re.compile(r"New topic in (?P<name>.+)\.\Z", re.S)
WATCHED_CATEGORY = re.compile(r"You watch (?P<name>.+)\.\Z", re.S)
# The English labels of a report's reason (moderation Report.Reason), stored
# when hiding resolved reports without a facilitator's words.
REPORT_REASONS = {
    "Spam or advertising": "spam",
    "Abusive or hateful": "abuse",
    "Puts someone at risk (personal details, threats)": "safety",
    "Off topic or disruptive": "off_topic",
    "Something else": "other",
}
OUTCOMES = {
    "The post was hidden.": "report_hidden",
    "The post stays as it is.": "report_dismissed",
}


def code_of(kind: str, sentence: str) -> tuple[str, dict]:
    """The reason code and parameters an old sentence stood for."""
    if kind == "watched":
        if sentence == WATCHED_TOPIC:
            return "watched_topic", {}
        if match := NEW_TOPIC.match(sentence):
            return "new_topic", {"name": match["name"]}
        if match := WATCHED_CATEGORY.match(sentence):
            return "watched_category", {"name": match["name"]}
    if kind == "report_handled":
        for outcome, code in OUTCOMES.items():
            if sentence.startswith(outcome):
                note = sentence[len(outcome) :].strip()
                return code, {"note": note} if note else {}
    if kind == "post_hidden" and sentence in REPORT_REASONS:
        return "reported", {"report_reason": REPORT_REASONS[sentence]}
    return "", {"note": sentence} if sentence else {}


def sentence_of(code: str, params: dict) -> str:
    """The old sentence for a code, to go back to the previous schema."""
    name = params.get("name", "")
    labels = {value: key for key, value in REPORT_REASONS.items()}
    if code == "reported":
        return labels.get(params.get("report_reason"), "")
    words = {
        "watched_topic": WATCHED_TOPIC,
        "new_topic": f"New topic in {name}.",
        "watched_category": f"You watch {name}.",
        **{value: key for key, value in OUTCOMES.items()},
    }.get(code, "")
    return " ".join(filter(None, [words, params.get("note", "")]))


def to_codes(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.exclude(reason="").only("pk", "kind", "reason")
    changed = []
    for row in rows.iterator(chunk_size=2000):
        row.reason, row.reason_params = code_of(row.kind, row.reason)
        changed.append(row)
    Notification.objects.bulk_update(
        changed, ["reason", "reason_params"], batch_size=2000
    )


def to_sentences(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    rows = Notification.objects.exclude(reason="", reason_params={}).only(
        "pk", "reason", "reason_params"
    )
    changed = []
    for row in rows.iterator(chunk_size=2000):
        row.reason = sentence_of(row.reason, row.reason_params)
        changed.append(row)
    Notification.objects.bulk_update(changed, ["reason"], batch_size=2000)


class Migration(migrations.Migration):
    """Reasons become codes with parameters, translated when shown, instead
    of English sentences (0003 then narrows the column)."""

    dependencies = [("notifications", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="notification",
            name="reason_params",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(to_codes, to_sentences),
    ]
