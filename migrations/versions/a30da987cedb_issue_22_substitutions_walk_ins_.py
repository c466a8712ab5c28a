"""Issue 22 (1–5): substitutions, walk-ins, transfers, held seats, two-step approval

Revision ID: a30da987cedb
Revises: b025e635819d
Create Date: 2026-12-02 03:00:07.700696

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a30da987cedb'
down_revision = 'b025e635819d'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approval_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('seat_held', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('walk_in', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('over_capacity_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('substituted_for_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transferred_from_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_enrollment_substituted_for_id_enrollment'), 'enrollment', ['substituted_for_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_enrollment_transferred_from_id_enrollment'), 'enrollment', ['transferred_from_id'], ['id'])

    with op.batch_alter_table('event_quota', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mode', sa.String(length=16), server_default='ceiling', nullable=False))
        batch_op.add_column(sa.Column('release_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('release_warned_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('released_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.add_column(sa.Column('two_step_approval', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('hold_seat_first_step', sa.Boolean(), server_default=sa.true(), nullable=False))



def downgrade():
    with op.batch_alter_table('program', schema=None) as batch_op:
        batch_op.drop_column('hold_seat_first_step')
        batch_op.drop_column('two_step_approval')

    with op.batch_alter_table('event_quota', schema=None) as batch_op:
        batch_op.drop_column('released_at')
        batch_op.drop_column('release_warned_at')
        batch_op.drop_column('release_on')
        batch_op.drop_column('mode')

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_enrollment_transferred_from_id_enrollment'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_enrollment_substituted_for_id_enrollment'), type_='foreignkey')
        batch_op.drop_column('transferred_from_id')
        batch_op.drop_column('substituted_for_id')
        batch_op.drop_column('over_capacity_reason')
        batch_op.drop_column('walk_in')
        batch_op.drop_column('seat_held')
        batch_op.drop_column('approval_step')

