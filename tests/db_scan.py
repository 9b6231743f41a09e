"""Search every column of every table for a value: the test that secrets are not stored in plain."""

from django.db import connection


def tables_containing(needle: str) -> list[str]:
    """Names of tables where any cell's text contains `needle`."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            if any(needle in str(cell) for row in cursor.fetchall() for cell in row):
                found.append(table)
    return found
