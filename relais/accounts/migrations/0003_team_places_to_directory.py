# Team.places is now declared by directory as Place.teams (related_name "places"), on the
# same table: only Django's model state changes here, no table is created or dropped.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_staff_invitation"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.RemoveField(model_name="team", name="places")],
            database_operations=[],
        ),
    ]
