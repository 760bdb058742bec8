"""Registration.payments_total: the sum of the registration's payments, kept by the database.

Triggers on compliance_payment add an inserted payment, subtract a deleted one and move an
edited one, whoever writes it (services, the admin, bulk loads, raw SQL). The scan reads
coverage as payments_total > 0 and the underpaid rule compares columns (bench/README.md).

Careful in later migrations on SQLite: Django remakes a table for most AlterField and
AddConstraint operations. Remaking compliance_payment drops these triggers (create them again,
TRIGGERS_SQLITE below); remaking compliance_registration breaks on its rename while a trigger
names it (drop the triggers before, create them after).
"""

from django.db import migrations, models

BACKFILL_POSTGRESQL = """
UPDATE compliance_registration r SET payments_total = p.total
FROM (SELECT registration_id, SUM(amount) AS total FROM compliance_payment GROUP BY registration_id) p
WHERE p.registration_id = r.id
"""
BACKFILL_SQLITE = """
UPDATE compliance_registration SET payments_total = COALESCE(
    (SELECT SUM(amount) FROM compliance_payment p WHERE p.registration_id = compliance_registration.id), 0)
"""

TRIGGERS_POSTGRESQL = """
CREATE FUNCTION compliance_payment_payments_total() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE compliance_registration SET payments_total = payments_total - OLD.amount
        WHERE id = OLD.registration_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE compliance_registration SET payments_total = payments_total + NEW.amount
        WHERE id = NEW.registration_id;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER compliance_payment_payments_total
AFTER INSERT OR DELETE OR UPDATE OF amount, registration_id ON compliance_payment
FOR EACH ROW EXECUTE FUNCTION compliance_payment_payments_total();
"""
DROP_POSTGRESQL = """
DROP TRIGGER compliance_payment_payments_total ON compliance_payment;
DROP FUNCTION compliance_payment_payments_total();
"""

TRIGGERS_SQLITE = [
    """CREATE TRIGGER compliance_payment_payments_total_insert AFTER INSERT ON compliance_payment
    BEGIN
        UPDATE compliance_registration SET payments_total = payments_total + NEW.amount
        WHERE id = NEW.registration_id;
    END""",
    """CREATE TRIGGER compliance_payment_payments_total_delete AFTER DELETE ON compliance_payment
    BEGIN
        UPDATE compliance_registration SET payments_total = payments_total - OLD.amount
        WHERE id = OLD.registration_id;
    END""",
    """CREATE TRIGGER compliance_payment_payments_total_update
    AFTER UPDATE OF amount, registration_id ON compliance_payment
    BEGIN
        UPDATE compliance_registration SET payments_total = payments_total - OLD.amount
        WHERE id = OLD.registration_id;
        UPDATE compliance_registration SET payments_total = payments_total + NEW.amount
        WHERE id = NEW.registration_id;
    END""",
]
DROP_SQLITE = [
    f"DROP TRIGGER compliance_payment_payments_total_{event}"
    for event in ("insert", "delete", "update")
]


def backfill(apps, schema_editor):
    sql = (
        BACKFILL_POSTGRESQL if schema_editor.connection.vendor == "postgresql" else BACKFILL_SQLITE
    )
    schema_editor.execute(sql)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGERS_POSTGRESQL)
    else:
        for statement in TRIGGERS_SQLITE:
            schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_POSTGRESQL)
    else:
        for statement in DROP_SQLITE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("compliance", "0003_engine"),
    ]

    operations = [
        migrations.AddField(
            model_name="registration",
            name="payments_total",
            field=models.DecimalField(
                decimal_places=0,
                default=0,
                editable=False,
                max_digits=20,
                verbose_name="paid in total",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        # Last: a later remake of compliance_registration on SQLite (AddConstraint and the
        # like) would break with a trigger naming it; see the module's docstring.
        migrations.RunPython(create_triggers, drop_triggers),
    ]
