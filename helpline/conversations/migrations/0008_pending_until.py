from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("conversations", "0007_sla_clocks"),
    ]

    operations = [
        migrations.AddField(
            model_name="conversation",
            name="pending_until",
            field=models.DateTimeField(
                blank=True,
                help_text="Pending until then: the conversation reopens itself at that moment",
                null=True,
            ),
        ),
        migrations.AddIndex(
            model_name="conversation",
            index=models.Index(
                condition=models.Q(("pending_until__isnull", False), ("status", "pending")),
                fields=["pending_until"],
                name="pending_until_due",
            ),
        ),
    ]
