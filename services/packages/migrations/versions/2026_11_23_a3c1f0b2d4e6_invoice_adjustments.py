"""invoice adjustments: supplementary invoices and run-issued credit notes, block lines by area

Revision ID: a3c1f0b2d4e6
Revises: d5019ac8aef9
Create Date: 2026-11-23 15:00:00.000000
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = 'a3c1f0b2d4e6'
down_revision: str | None = 'd5019ac8aef9'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=sa.String(length=20), type_=sa.String(length=30),
                              existing_nullable=False, existing_server_default='invoice')
        batch_op.add_column(sa.Column('supplements_invoice_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('adjustment', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_invoices_supplements_invoice_id_invoices'), 'invoices',
                                    ['supplements_invoice_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_invoices_period'), ['period_start', 'period_end'], unique=False)
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('block_area', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('invoice_lines', schema=None) as batch_op:
        batch_op.drop_column('block_area')
    with op.batch_alter_table('invoices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoices_period'))
        batch_op.drop_constraint(batch_op.f('fk_invoices_supplements_invoice_id_invoices'), type_='foreignkey')
        batch_op.drop_column('adjustment')
        batch_op.drop_column('supplements_invoice_id')
        batch_op.alter_column('kind', existing_type=sa.String(length=30), type_=sa.String(length=20),
                              existing_nullable=False, existing_server_default='invoice')
