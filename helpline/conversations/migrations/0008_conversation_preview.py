"""The inbox's preview of each conversation's latest message, filled for existing ones."""

from django.db import migrations, models

PREVIEW_LENGTH = 160  # as conversations.models.PREVIEW_LENGTH when this was written


def fill_previews(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "postgresql":  # one statement, however many conversations
        with connection.cursor() as cursor:
            cursor.execute(
                """
                UPDATE conversations_conversation c
                SET preview = left(btrim(regexp_replace(
                    left(latest.text, %s), '\\s+', ' ', 'g')), %s)
                FROM (
                    SELECT DISTINCT ON (conversation_id) conversation_id, text
                    FROM conversations_message WHERE direction <> 'note'
                    ORDER BY conversation_id, created_at DESC, id DESC
                ) latest
                WHERE c.id = latest.conversation_id AND latest.text <> ''
                """,
                [PREVIEW_LENGTH * 4, PREVIEW_LENGTH],
            )
        return
    Conversation = apps.get_model("conversations", "Conversation")
    Message = apps.get_model("conversations", "Message")
    changed = []
    for conversation in Conversation.objects.only("id").iterator(chunk_size=2000):
        latest = (
            Message.objects.filter(conversation_id=conversation.pk)
            .exclude(direction="note")
            .order_by("-created_at", "-id")
            .values_list("text", flat=True)
            .first()
        )
        if latest:
            conversation.preview = " ".join(latest[: PREVIEW_LENGTH * 4].split())[:PREVIEW_LENGTH]
            changed.append(conversation)
        if len(changed) >= 500:
            Conversation.objects.bulk_update(changed, ["preview"])
            changed = []
    Conversation.objects.bulk_update(changed, ["preview"])


class Migration(migrations.Migration):
    dependencies = [("conversations", "0007_sla_clocks")]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="preview",
            field=models.CharField(
                blank=True,
                default="",
                help_text="The start of the latest message to or from the customer",
                max_length=160,
            ),
        ),
        migrations.RunPython(fill_previews, migrations.RunPython.noop, elidable=True),
    ]
