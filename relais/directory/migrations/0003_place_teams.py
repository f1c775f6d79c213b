# Place.teams takes over accounts' Team.places (related_name "places"), on the same table
# accounts_team_places (columns place_id, team_id): only Django's model state changes here.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_team_places_to_directory"),
        ("directory", "0002_national_themes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="place",
                    name="teams",
                    field=models.ManyToManyField(
                        blank=True,
                        db_table="accounts_team_places",
                        related_name="places",
                        to="accounts.team",
                        verbose_name="équipes",
                    ),
                ),
            ],
            database_operations=[],
        ),
    ]
