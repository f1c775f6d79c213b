from django.db import migrations


def create_themes(apps, schema_editor):
    from relais.core.vocabularies import ADMIN_SUBTHEMES

    Theme = apps.get_model("directory", "Theme")
    for position, (code, label, description) in enumerate(ADMIN_SUBTHEMES):
        Theme.objects.get_or_create(
            code=code, defaults={"label": str(label), "description": str(description), "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(create_themes, migrations.RunPython.noop)]
