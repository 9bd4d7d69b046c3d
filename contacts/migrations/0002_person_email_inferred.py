from django.db import migrations, models


def mark_inferred_emails(apps, schema_editor):
    """People whose current address is one enrichment inferred, as its history records it."""
    Person = apps.get_model("contacts", "Person")
    OutreachTransition = apps.get_model("outreach", "OutreachTransition")
    inferred = (
        OutreachTransition.objects.filter(
            transition="complete_enrichment", metadata__found__source="inferred"
        )
        .values_list("outreach__person_id", "metadata__found__value")
        .iterator(chunk_size=5000)
    )
    by_person: dict[int, set[str]] = {}
    for person_id, address in inferred:
        if person_id is not None and isinstance(address, str):
            by_person.setdefault(person_id, set()).add(address)
    ids = list(by_person)
    for start in range(0, len(ids), 900):
        part = ids[start : start + 900]
        marked = [
            pk
            for pk, email in Person.objects.filter(pk__in=part).values_list("pk", "email")
            if email in by_person[pk]
        ]
        Person.objects.filter(pk__in=marked).update(email_inferred=True)


class Migration(migrations.Migration):
    dependencies = [
        ("contacts", "0001_initial"),
        ("outreach", "0005_outreach_fewer_indexes"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="email_inferred",
            field=models.BooleanField(
                default=False,
                editable=False,
                help_text="Set when enrichment inferred this address from the colleagues' pattern.",
            ),
        ),
        migrations.RunPython(mark_inferred_emails, migrations.RunPython.noop),
    ]
