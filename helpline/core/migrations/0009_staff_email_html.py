from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_two_factor_and_sign_in_audit"),
    ]

    operations = [
        migrations.AddField(
            model_name="staffemail",
            name="html",
            field=models.TextField(blank=True, default=""),
            preserve_default=False,
        ),
    ]
