"""published prices and visit outcomes: visits report an outcome and are paid under the council's policy
(kept with their earlier versions; voided; unplanned ones approved), invoice lines are quantities at
published prices with a rule and ledger codes, packages keep their client group and their terms their
visits per day of the week

Existing visits: `missed` becomes the outcome `missed`, anything else `delivered`, paid under the default
policy (5 minutes' tolerance, 5-minute increments, over-runs unpaid until extended); where two visits held the same package, date and
planned start, the later reported is voided. Existing invoice lines, issued before published prices,
keep their amount as one unit at that price (quantity 1, unit `visit`), their hours in the description.

Revision ID: c4e8a1d2f7b3
Revises: b7d2e9f1c3a5
Create Date: 2026-11-29 17:00:00.000000
"""
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa
from alembic import op


revision: str = 'c4e8a1d2f7b3'
down_revision: str | None = 'b7d2e9f1c3a5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

NOT_VOIDED = sa.text("voided_at IS NULL")


def _late_by(planned: time, actual: time | None) -> int:
    if actual is None:
        return 0
    seconds = (datetime.combine(date.min, actual) - datetime.combine(date.min, planned)).total_seconds()
    return max(0, int(seconds // 60))


def _visits_data() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("UPDATE visits SET outcome = CASE WHEN missed THEN 'missed' ELSE 'delivered' END"))
    bind.execute(sa.text("""
        UPDATE visits SET
            paid_minutes = CASE
                WHEN missed OR actual_minutes IS NULL THEN 0
                WHEN actual_minutes >= planned_minutes - 5 THEN planned_minutes
                WHEN (actual_minutes + 4) / 5 * 5 < planned_minutes THEN (actual_minutes + 4) / 5 * 5
                ELSE planned_minutes END,
            rule = CASE
                WHEN missed OR actual_minutes IS NULL THEN NULL
                WHEN actual_minutes >= planned_minutes - 5 THEN 'delivered_within_tolerance'
                ELSE 'actual_minutes' END,
            overrun_minutes = CASE
                WHEN NOT missed AND actual_minutes > planned_minutes
                THEN (actual_minutes + 4) / 5 * 5 - planned_minutes ELSE 0 END
        """))
    visits = sa.table('visits', sa.column('id', sa.Uuid()), sa.column('package_id', sa.Uuid()),
                      sa.column('date', sa.Date()), sa.column('planned_start', sa.Time()),
                      sa.column('actual_start', sa.Time()), sa.column('recorded_at', sa.DateTime(timezone=True)),
                      sa.column('late_by_minutes', sa.Integer()), sa.column('voided_at', sa.DateTime(timezone=True)),
                      sa.column('void_reason', sa.String()), sa.column('week_start', sa.Date()))
    held: set[tuple[object, object, object]] = set()
    rows = bind.execute(sa.select(visits.c.id, visits.c.package_id, visits.c.date, visits.c.planned_start,
                                  visits.c.actual_start).order_by(visits.c.recorded_at, visits.c.id)).all()
    for visit_id, package_id, day, planned, actual in rows:
        changes: dict[str, object] = {"week_start": day - timedelta(days=day.weekday())}
        if late := _late_by(planned, actual):
            changes["late_by_minutes"] = late
        if (package_id, day, planned) in held:
            changes |= {"voided_at": datetime.now(UTC),
                        "void_reason": "a second visit for the same package, date and planned start"}
        held.add((package_id, day, planned))
        bind.execute(sa.update(visits).where(visits.c.id == visit_id).values(**changes))


def _per_weekday() -> None:
    """Each term's visits and carer-minutes per day of the week, Monday first, from its schedule."""
    days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']
    terms = sa.table('package_terms', sa.column('id', sa.Uuid()), sa.column('visits', sa.JSON()),
                     sa.column('weekday_visits', sa.String()), sa.column('weekday_minutes', sa.String()))
    bind = op.get_bind()
    for term_id, visits in bind.execute(sa.select(terms.c.id, terms.c.visits)).all():
        counts = " ".join(str(sum(1 for visit in visits if visit['day'] == day)) for day in days)
        minutes = " ".join(str(sum(visit['minutes'] * visit['carers'] for visit in visits if visit['day'] == day))
                           for day in days)
        bind.execute(sa.update(terms).where(terms.c.id == term_id).values(weekday_visits=counts,
                                                                           weekday_minutes=minutes))


def upgrade() -> None:
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.add_column(sa.Column('client_group', sa.String(length=40), nullable=True))
    with op.batch_alter_table('package_terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weekday_visits', sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column('weekday_minutes', sa.String(length=100), nullable=True))
    _per_weekday()
    with op.batch_alter_table('package_terms', schema=None) as batch_op:
        batch_op.alter_column('weekday_visits', existing_type=sa.String(length=60), nullable=False)
        batch_op.alter_column('weekday_minutes', existing_type=sa.String(length=100), nullable=False)

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('notice_hours', sa.Numeric(precision=8, scale=2), nullable=True))
        batch_op.add_column(sa.Column('late_by_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('paid_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('rule', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('overrun_minutes', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('extension_approved_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('week_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('approval', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('approved_by', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('voided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('void_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('corrected_at', sa.DateTime(timezone=True), nullable=True))
    _visits_data()
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.alter_column('outcome', existing_type=sa.String(length=30), nullable=False)
        batch_op.alter_column('week_start', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('missed')
        batch_op.create_check_constraint(
            batch_op.f('ck_visits_outcome'), "outcome IN ('delivered', 'missed', 'cancelled_by_client', 'frustrated')")
        batch_op.create_check_constraint(batch_op.f('ck_visits_approval'),
                                         "approval IS NULL OR approval IN ('pending', 'approved', 'refused')")
        batch_op.create_index('ix_visits_date', ['date'], unique=False)
        batch_op.create_index('uq_visits_package_slot', ['package_id', 'date', 'planned_start'], unique=True,
                              postgresql_where=NOT_VOIDED, sqlite_where=NOT_VOIDED)

    op.create_table(
        'visit_revisions',
        sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
        sa.Column('visit_id', sa.Uuid(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.Column('reported', sa.JSON(), nullable=False),
        sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('correction_reason', sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(['visit_id'], ['visits.id'], name=op.f('fk_visit_revisions_visit_id_visits')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_visit_revisions')),
        sa.UniqueConstraint('visit_id', 'version', name=op.f('uq_visit_revisions_visit_id')),
    )
    with op.batch_alter_table('visit_revisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_visit_revisions_visit_id'), ['visit_id'], unique=False)

    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('quantity', sa.Numeric(precision=14, scale=4), nullable=True))
        batch_op.add_column(sa.Column('unit', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('unit_price', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('rule', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('price_kind', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('area', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('client_group', sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column('cost_centre', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('ledger_code', sa.String(length=50), nullable=True))
        batch_op.add_column(sa.Column('reverses_line_id', sa.Integer(), nullable=True))
    op.get_bind().execute(sa.text("""
        UPDATE invoice_lines SET quantity = 1, unit = 'visit', unit_price = amount, area = block_area,
            description = description || ' (' || hours || ' hours)',
            rule = CASE
                WHEN block_area IS NOT NULL THEN 'block_top_up'
                WHEN description LIKE 'Credit:%' OR description LIKE 'Adjustment%' THEN 'adjustment'
                WHEN description LIKE '%planned schedule%' THEN 'planned_schedule'
                ELSE 'actual_minutes' END
        """))
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        for column, kind in (('quantity', sa.Numeric(precision=14, scale=4)), ('unit', sa.String(length=10)),
                             ('unit_price', sa.Numeric(precision=14, scale=2)), ('rule', sa.String(length=30))):
            batch_op.alter_column(column, existing_type=kind, nullable=False)
        batch_op.create_foreign_key(batch_op.f('fk_invoice_lines_reverses_line_id_invoice_lines'), 'invoice_lines',
                                    ['reverses_line_id'], ['id'])
        batch_op.drop_column('hours')


def downgrade() -> None:
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_invoice_lines_reverses_line_id_invoice_lines'), type_='foreignkey')
        batch_op.add_column(sa.Column('hours', sa.Numeric(precision=12, scale=2), server_default='0', nullable=False))
    op.get_bind().execute(sa.text("UPDATE invoice_lines SET hours = CASE WHEN unit = 'hour' THEN quantity ELSE 0 END"))
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        for column in ('reverses_line_id', 'ledger_code', 'cost_centre', 'client_group', 'area', 'price_kind', 'rule',
                       'unit_price', 'unit', 'quantity'):
            batch_op.drop_column(column)

    with op.batch_alter_table('visit_revisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_visit_revisions_visit_id'))
    op.drop_table('visit_revisions')

    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.add_column(sa.Column('missed', sa.Boolean(), nullable=True))
    op.get_bind().execute(sa.text("UPDATE visits SET missed = (outcome = 'missed')"))
    with op.batch_alter_table('visits', schema=None) as batch_op:
        batch_op.alter_column('missed', existing_type=sa.Boolean(), nullable=False)
        batch_op.drop_index('uq_visits_package_slot', postgresql_where=NOT_VOIDED, sqlite_where=NOT_VOIDED)
        batch_op.drop_index('ix_visits_date')
        batch_op.drop_constraint(batch_op.f('ck_visits_approval'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_visits_outcome'), type_='check')
        for column in ('corrected_at', 'void_reason', 'voided_at', 'version', 'approved_by', 'approval', 'week_start',
                       'extension_approved_by', 'overrun_minutes', 'rule', 'paid_minutes', 'late_by_minutes',
                       'notice_hours', 'outcome'):
            batch_op.drop_column(column)

    with op.batch_alter_table('package_terms', schema=None) as batch_op:
        batch_op.drop_column('weekday_minutes')
        batch_op.drop_column('weekday_visits')
    with op.batch_alter_table('packages', schema=None) as batch_op:
        batch_op.drop_column('client_group')
