"""Each assessment's questionnaire version, changed by database triggers on every write to its
items or competencies, so the candidate pages can keep the questionnaire in memory and still show
an edit on the very next request in every process (see `QuestionnaireVersion`).

Triggers, not signals: a queryset `update()`, a bulk operation or SQL sends no signal. A delete
only changes an existing version (it never inserts one), so deleting an assessment with its
items leaves no version behind.
"""

from typing import Any

import django.db.models.deletion
from django.db import migrations, models

TABLES = ("assessments_questionnaireitem", "assessments_competency")

POSTGRESQL_INSTALL = [
    """
    CREATE FUNCTION assessments_questionnaire_changed() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            UPDATE assessments_questionnaireversion SET version = gen_random_uuid();
            RETURN NULL;
        END IF;
        IF TG_OP <> 'INSERT' THEN
            UPDATE assessments_questionnaireversion SET version = gen_random_uuid()
             WHERE assessment_id = OLD.assessment_id;
        END IF;
        IF TG_OP <> 'DELETE' THEN
            INSERT INTO assessments_questionnaireversion (assessment_id, version)
            VALUES (NEW.assessment_id, gen_random_uuid())
            ON CONFLICT (assessment_id) DO UPDATE SET version = EXCLUDED.version;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    *(
        statement
        for table in TABLES
        for statement in (
            f"""CREATE TRIGGER {table}_changed AFTER INSERT OR UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION assessments_questionnaire_changed()""",
            f"""CREATE TRIGGER {table}_truncated AFTER TRUNCATE ON {table}
                FOR EACH STATEMENT EXECUTE FUNCTION assessments_questionnaire_changed()""",
        )
    ),
    """INSERT INTO assessments_questionnaireversion (assessment_id, version)
       SELECT id, gen_random_uuid() FROM assessments_assessment""",
]
POSTGRESQL_UNINSTALL = [
    *(f"DROP TRIGGER {table}_changed ON {table}" for table in TABLES),
    *(f"DROP TRIGGER {table}_truncated ON {table}" for table in TABLES),
    "DROP FUNCTION assessments_questionnaire_changed()",
]

# SQLite has no TRUNCATE and no trigger functions: three triggers a table, the same bodies (a
# version is 32 hex digits there, as Django stores a UUID). Rebuilding a table (what SQLite does
# for most `ALTER TABLE`s) drops its triggers: a later migration that rebuilds one creates them again.
SQLITE_BUMP_OLD = (
    "UPDATE assessments_questionnaireversion SET version = lower(hex(randomblob(16))) "
    "WHERE assessment_id = OLD.assessment_id;"
)
SQLITE_BUMP_NEW = (
    "INSERT OR REPLACE INTO assessments_questionnaireversion (assessment_id, version) "
    "VALUES (NEW.assessment_id, lower(hex(randomblob(16))));"
)
SQLITE_BODIES = {
    "inserted": ("INSERT", SQLITE_BUMP_NEW),
    "updated": ("UPDATE", SQLITE_BUMP_OLD + SQLITE_BUMP_NEW),
    "deleted": ("DELETE", SQLITE_BUMP_OLD),
}
SQLITE_INSTALL = [
    *(
        f"CREATE TRIGGER {table}_{name} AFTER {event} ON {table} BEGIN {body} END"
        for table in TABLES
        for name, (event, body) in SQLITE_BODIES.items()
    ),
    """INSERT INTO assessments_questionnaireversion (assessment_id, version)
       SELECT id, lower(hex(randomblob(16))) FROM assessments_assessment""",
]
SQLITE_UNINSTALL = [f"DROP TRIGGER {table}_{name}" for table in TABLES for name in SQLITE_BODIES]


def _run(schema_editor: Any, statements: dict[str, list[str]]) -> None:
    for statement in statements[schema_editor.connection.vendor]:
        schema_editor.execute(statement)


def install(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_INSTALL, "sqlite": SQLITE_INSTALL})


def uninstall(apps: Any, schema_editor: Any) -> None:
    _run(schema_editor, {"postgresql": POSTGRESQL_UNINSTALL, "sqlite": SQLITE_UNINSTALL})


class Migration(migrations.Migration):
    dependencies = [
        ("assessments", "0009_candidate_newest_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="QuestionnaireVersion",
            fields=[
                (
                    "assessment",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="questionnaire_version",
                        serialize=False,
                        to="assessments.assessment",
                    ),
                ),
                ("version", models.UUIDField()),
            ],
        ),
        migrations.RunPython(install, uninstall, elidable=False),
    ]
