"""Choice translations were kept one per line and paired with the French choices by position:
they are now keyed by the French choice they translate ({"Aide alimentaire": "Food aid"}).
Existing ones are paired as they were shown until now (by position, only when as many)."""

from django.db import migrations


def key_by_french(apps, schema_editor):
    from relais.core.content_language import keyed_choices, lines_of

    FormField = apps.get_model("cases", "FormField")
    for field in FormField.objects.exclude(translations={}):
        french = lines_of(field.choices)
        changed = False
        for texts in (field.translations or {}).values():
            value = texts.get("choices") if isinstance(texts, dict) else None
            if isinstance(value, str):
                keyed = keyed_choices(french, value) if len(lines_of(value)) == len(french) else {}
                if keyed:
                    texts["choices"] = keyed
                else:
                    texts.pop("choices")
                changed = True
        if changed:
            field.translations = {lang: texts for lang, texts in field.translations.items() if texts}
            field.save(update_fields=["translations"])


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_content_translations")]

    operations = [migrations.RunPython(key_by_french, migrations.RunPython.noop)]
