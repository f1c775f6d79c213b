import django.db.models.deletion
from django.db import migrations, models


def teams_from_decisions(apps, schema_editor):
    """A suspension's team is the team of the decision that recorded it (same person, same reason)."""
    Suspension = apps.get_model("mutualaid", "Suspension")
    ModerationDecision = apps.get_model("mutualaid", "ModerationDecision")
    for suspension in Suspension.objects.filter(team__isnull=True):
        decision = (
            ModerationDecision.objects.filter(person_id=suspension.person_id, action="suspend", reason=suspension.reason)
            .order_by("decided_at")
            .first()
        )
        if decision is not None:
            Suspension.objects.filter(pk=suspension.pk).update(team_id=decision.team_id)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("mutualaid", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="suspension",
            name="team",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="accounts.team",
                verbose_name="équipe qui a suspendu",
            ),
        ),
        migrations.RunPython(teams_from_decisions, migrations.RunPython.noop),
    ]
