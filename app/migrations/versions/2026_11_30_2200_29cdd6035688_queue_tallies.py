"""Queue tallies kept by the database, the delay to acknowledgement stored, the overdue ranges indexed:
the statistics of a queue no longer read every case of it.

Revision ID: 29cdd6035688
Revises: f3d5e7a9b014
Created: 2026-11-30 22:00 UTC

Reviewed by hand. Two tables of counts: per queue, TI and status, the cases and the acknowledged
ones; per queue and scheme, the cases that asked for it. Triggers keep them, so that every writer
counts (the service, a bulk INSERT, a hand-made fix): on case_file, insert, delete, and a change of
queue, TI, status or acknowledgement (a case that changes queue takes its schemes along); on
case_scheme, insert, delete and change.

Concurrency on PostgreSQL: a count row stays locked by the transaction that changed it until it
commits, so writers of one row take turns from their change to their commit (its flush to disk
included: 8 filers into one queue did 434 to 464 cases/s instead of 916 to 1,348). Hence 8 rows
per key, a shard each, written by the sessions whose server process number gives it (pid % 8);
the figures are their sums (a shard's count may be negative: a case filed by one session and
moved by another). Row locks alone would deadlock: two filings of different TIs into one queue
each lock their own status row, then the rows of their schemes, one statement per row when the
writer sends them one by one (an executemany), in any order. So every trigger first takes the
advisory lock of the queue and its shard (transaction-scoped; several in the order of their
keys): the writers of one shard of a queue take turns, from their first counted change to their
commit, and never wait on a count row. Each statement's changes are grouped by key and written by
one `INSERT ... ON CONFLICT DO UPDATE` (statement triggers read the statement's rows from its
transition table). An absent TI is kept as '' (a key column cannot hold NULL: two NULLs never
conflict). SQLite has one writer at a time: one shard, 0.

The delay to acknowledgement in hours is a generated column (stored on PostgreSQL; on SQLite,
which cannot add a stored column to a table, computed when read and kept in its index), with the
very expression the statistics computed before, so that the median does not change by one bit.

Two partial indexes hold the overdue cases of a queue in ranges, so that they are counted without
reading the others: the submitted cases by filing instant, the further-on open ones by last event.

Upgrade creates the triggers, then counts the existing rows, in one transaction (PostgreSQL holds
the writers of case_file and case_scheme until it commits: nothing is counted twice or missed).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "29cdd6035688"
down_revision = "f3d5e7a9b014"
branch_labels = None
depends_on = None

FURTHER_ON = "status IN ('acknowledged', 'in_review', 'referred')"
HOURS = {
    "postgresql": "date_part('epoch', acknowledged_at - submitted_at) / 3600",
    "sqlite": "(julianday(acknowledged_at) - julianday(submitted_at)) * 24",
}

STATUS_UPSERT = (
    "INSERT INTO queue_status_tally (queue_id, ti_id, status, shard, cases, acknowledged) {rows} "
    "ON CONFLICT (queue_id, ti_id, status, shard) DO UPDATE "
    "SET cases = queue_status_tally.cases + excluded.cases, "
    "acknowledged = queue_status_tally.acknowledged + excluded.acknowledged"
)
SCHEME_UPSERT = (
    "INSERT INTO queue_scheme_tally (queue_id, scheme_id, shard, cases) {rows} "
    "ON CONFLICT (queue_id, scheme_id, shard) DO UPDATE SET cases = queue_scheme_tally.cases + excluded.cases"
)
#: an acknowledged case counts 1
ACKNOWLEDGED = "CASE WHEN {0}.acknowledged_at IS NULL THEN 0 ELSE 1 END"
#: a change that moves a case between two rows of the statuses' tally
COUNTED_CHANGE = (
    "OLD.queue_id IS DISTINCT FROM NEW.queue_id OR OLD.ti_id IS DISTINCT FROM NEW.ti_id "
    "OR OLD.status IS DISTINCT FROM NEW.status "
    "OR (OLD.acknowledged_at IS NULL) <> (NEW.acknowledged_at IS NULL)"
)

#: the counters a PostgreSQL session writes: one of 8 for each key, by its server process
SHARD = "pg_backend_pid() % 8"
#: the first key of the queues' advisory locks (the second is the hash of the queue and the
#: shard); next to the one of app.services.cases.repeats
ADVISORY_LOCK_CLASS = 0x6774_6902
#: takes the locks of the queues given, for the session's shard, in the order of their keys
LOCK_FUNCTION = f"""CREATE FUNCTION queue_tally_lock(queues text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    queue_key integer;
BEGIN
    FOR queue_key IN SELECT DISTINCT hashtext(queue || '/' || {SHARD}) FROM unnest(queues) AS queue ORDER BY 1 LOOP
        PERFORM pg_advisory_xact_lock({ADVISORY_LOCK_CLASS}, queue_key);
    END LOOP;
END $$"""
#: the queues whose counts a trigger changes, read from its transition table or its row
CASES_QUEUES = "PERFORM queue_tally_lock(ARRAY(SELECT queue_id FROM {0}));\n"
SCHEMES_QUEUES = (
    "PERFORM queue_tally_lock(ARRAY(SELECT c.queue_id FROM {0} AS s JOIN case_file AS c ON c.id = s.case_id));\n"
)

# PostgreSQL: (function body, trigger) in plpgsql; each body locks its queues, then groups its
# rows by key and upserts them.
POSTGRESQL = {
    "queue_tally_cases_inserted": (
        CASES_QUEUES.format("inserted")
        + STATUS_UPSERT.format(
            rows=f"SELECT queue_id, coalesce(ti_id, ''), status, {SHARD}, count(*), count(acknowledged_at) "
            "FROM inserted GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ),
        "AFTER INSERT ON case_file REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT",
    ),
    "queue_tally_cases_deleted": (
        CASES_QUEUES.format("deleted")
        + STATUS_UPSERT.format(
            rows=f"SELECT queue_id, coalesce(ti_id, ''), status, {SHARD}, -count(*), -count(acknowledged_at) "
            "FROM deleted "
            "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        ),
        "AFTER DELETE ON case_file REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT",
    ),
    # A row trigger: a statement trigger with transition tables cannot name its columns, and would
    # then run for every update of a case (its version, its last event, its contact).
    "queue_tally_case_changed": (
        "PERFORM queue_tally_lock(ARRAY[OLD.queue_id, NEW.queue_id]);\n"
        + STATUS_UPSERT.format(
            rows=f"SELECT queue_id, ti_id, status, {SHARD}, sum(cases), sum(acknowledged) FROM (VALUES "
            f"(OLD.queue_id, coalesce(OLD.ti_id, ''), OLD.status, -1, -{ACKNOWLEDGED.format('OLD')}), "
            f"(NEW.queue_id, coalesce(NEW.ti_id, ''), NEW.status, 1, {ACKNOWLEDGED.format('NEW')})"
            ") AS change (queue_id, ti_id, status, cases, acknowledged) GROUP BY 1, 2, 3 ORDER BY 1, 2, 3"
        )
        + ";\nIF OLD.queue_id IS DISTINCT FROM NEW.queue_id THEN\n"
        + SCHEME_UPSERT.format(
            rows=f"SELECT queue_id, scheme_id, {SHARD}, sum(cases) FROM ("
            "SELECT OLD.queue_id AS queue_id, scheme_id, -1 AS cases FROM case_scheme WHERE case_id = OLD.id "
            "UNION ALL SELECT NEW.queue_id, scheme_id, 1 FROM case_scheme WHERE case_id = NEW.id"
            ") AS moved GROUP BY 1, 2 ORDER BY 1, 2"
        )
        + ";\nEND IF",
        f"AFTER UPDATE OF queue_id, ti_id, status, acknowledged_at ON case_file FOR EACH ROW WHEN ({COUNTED_CHANGE})",
    ),
    "queue_tally_schemes_inserted": (
        SCHEMES_QUEUES.format("inserted")
        + SCHEME_UPSERT.format(
            rows=f"SELECT c.queue_id, s.scheme_id, {SHARD}, count(*) "
            "FROM inserted AS s JOIN case_file AS c ON c.id = s.case_id "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        "AFTER INSERT ON case_scheme REFERENCING NEW TABLE AS inserted FOR EACH STATEMENT",
    ),
    "queue_tally_schemes_deleted": (
        SCHEMES_QUEUES.format("deleted")
        + SCHEME_UPSERT.format(
            rows=f"SELECT c.queue_id, s.scheme_id, {SHARD}, -count(*) "
            "FROM deleted AS s JOIN case_file AS c ON c.id = s.case_id "
            "GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        "AFTER DELETE ON case_scheme REFERENCING OLD TABLE AS deleted FOR EACH STATEMENT",
    ),
    "queue_tally_schemes_changed": (
        SCHEMES_QUEUES.format("(SELECT case_id FROM before_change UNION SELECT case_id FROM after_change)")
        + SCHEME_UPSERT.format(
            rows=f"SELECT c.queue_id, s.scheme_id, {SHARD}, sum(s.cases) FROM ("
            "SELECT case_id, scheme_id, -1 AS cases FROM before_change "
            "UNION ALL SELECT case_id, scheme_id, 1 FROM after_change"
            ") AS s JOIN case_file AS c ON c.id = s.case_id GROUP BY 1, 2 ORDER BY 1, 2"
        ),
        "AFTER UPDATE ON case_scheme REFERENCING OLD TABLE AS before_change NEW TABLE AS after_change "
        "FOR EACH STATEMENT",
    ),
}

# SQLite: row triggers (it has no other kind); one writer at a time, so one shard and no order to keep.
STATUS_ADD = STATUS_UPSERT.format(
    rows=f"VALUES (NEW.queue_id, coalesce(NEW.ti_id, ''), NEW.status, 0, 1, {ACKNOWLEDGED.format('NEW')})"
)
STATUS_REMOVE = (
    f"UPDATE queue_status_tally SET cases = cases - 1, acknowledged = acknowledged - {ACKNOWLEDGED.format('OLD')} "
    "WHERE queue_id = OLD.queue_id AND ti_id = coalesce(OLD.ti_id, '') AND status = OLD.status AND shard = 0"
)
SCHEME_ADD = SCHEME_UPSERT.format(rows="SELECT queue_id, NEW.scheme_id, 0, 1 FROM case_file WHERE id = NEW.case_id")
SCHEME_REMOVE = (
    "UPDATE queue_scheme_tally SET cases = cases - 1 WHERE scheme_id = OLD.scheme_id AND shard = 0 "
    "AND queue_id = (SELECT queue_id FROM case_file WHERE id = OLD.case_id)"
)
SQLITE = {
    "queue_tally_case_inserted": ("AFTER INSERT ON case_file", [STATUS_ADD]),
    "queue_tally_case_deleted": ("AFTER DELETE ON case_file", [STATUS_REMOVE]),
    "queue_tally_case_changed": (
        "AFTER UPDATE OF queue_id, ti_id, status, acknowledged_at ON case_file "
        f"WHEN {COUNTED_CHANGE.replace('IS DISTINCT FROM', 'IS NOT')}",
        [
            STATUS_REMOVE,
            STATUS_ADD,
            "UPDATE queue_scheme_tally SET cases = cases - 1 WHERE OLD.queue_id IS NOT NEW.queue_id AND shard = 0 "
            "AND queue_id = OLD.queue_id AND scheme_id IN (SELECT scheme_id FROM case_scheme WHERE case_id = OLD.id)",
            # WHERE before ON CONFLICT: without it SQLite would read ON as a join's.
            SCHEME_UPSERT.format(
                rows="SELECT NEW.queue_id, scheme_id, 0, 1 FROM case_scheme "
                "WHERE case_id = NEW.id AND OLD.queue_id IS NOT NEW.queue_id"
            ),
        ],
    ),
    "queue_tally_scheme_inserted": ("AFTER INSERT ON case_scheme", [SCHEME_ADD]),
    "queue_tally_scheme_deleted": ("AFTER DELETE ON case_scheme", [SCHEME_REMOVE]),
    "queue_tally_scheme_changed": ("AFTER UPDATE OF case_id, scheme_id ON case_scheme", [SCHEME_REMOVE, SCHEME_ADD]),
}

FILL = [
    "INSERT INTO queue_status_tally (queue_id, ti_id, status, shard, cases, acknowledged) "
    "SELECT queue_id, coalesce(ti_id, ''), status, 0, count(*), count(acknowledged_at) FROM case_file "
    "GROUP BY queue_id, coalesce(ti_id, ''), status",
    "INSERT INTO queue_scheme_tally (queue_id, scheme_id, shard, cases) "
    "SELECT c.queue_id, s.scheme_id, 0, count(*) FROM case_scheme AS s JOIN case_file AS c ON c.id = s.case_id "
    "GROUP BY c.queue_id, s.scheme_id",
]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.create_table(
        "queue_status_tally",
        sa.Column("queue_id", sa.String(length=80), nullable=False),
        sa.Column("ti_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("acknowledged", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("queue_id", "ti_id", "status", "shard", name=op.f("pk_queue_status_tally")),
    )
    op.create_table(
        "queue_scheme_tally",
        sa.Column("queue_id", sa.String(length=80), nullable=False),
        sa.Column("scheme_id", sa.String(length=64), nullable=False),
        sa.Column("shard", sa.SmallInteger(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("queue_id", "scheme_id", "shard", name=op.f("pk_queue_scheme_tally")),
    )
    op.add_column(
        "case_file",
        sa.Column(
            "hours_to_acknowledgement",
            sa.Float(),
            sa.Computed(sa.text(HOURS[dialect]), persisted=dialect == "postgresql"),
            nullable=True,
        ),
    )
    op.create_index(
        "ix_case_file_queue_submitted",
        "case_file",
        ["queue_id", "submitted_at", "commune_code", "last_event_at", "status"],
        sqlite_where=sa.text("status = 'submitted'"),
        postgresql_where=sa.text("status = 'submitted'"),
    )
    op.create_index(
        "ix_case_file_queue_quiet",
        "case_file",
        ["queue_id", "last_event_at", "status"],
        sqlite_where=sa.text(FURTHER_ON),
        postgresql_where=sa.text(FURTHER_ON),
    )
    op.create_index(
        "ix_case_file_queue_acknowledgement",
        "case_file",
        ["queue_id", "hours_to_acknowledgement"],
        sqlite_where=sa.text("hours_to_acknowledgement IS NOT NULL"),
        postgresql_where=sa.text("hours_to_acknowledgement IS NOT NULL"),
    )
    if dialect == "sqlite":
        for name, (when, statements) in SQLITE.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN {'; '.join(statements)}; END")
    else:
        op.execute(LOCK_FUNCTION)
        for name, (body, when) in POSTGRESQL.items():
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN\n{body};\nRETURN NULL;\nEND $$"
            )
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION {name}()")
    for statement in FILL:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE:
            op.execute(f"DROP TRIGGER {name}")
    else:
        for name, (_, when) in POSTGRESQL.items():
            table = when.split(" ON ", 1)[1].split()[0]
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
        op.execute("DROP FUNCTION queue_tally_lock(text[])")
    op.drop_index("ix_case_file_queue_acknowledgement", table_name="case_file")
    op.drop_index("ix_case_file_queue_quiet", table_name="case_file")
    op.drop_index("ix_case_file_queue_submitted", table_name="case_file")
    op.drop_column("case_file", "hours_to_acknowledgement")
    op.drop_table("queue_scheme_tally")
    op.drop_table("queue_status_tally")
