"""reports: training plans, closed years, report indexes

Plans per branch, year and category; a closed year and the rows that counted when it was
closed; a covering index for the yearly aggregate (a year's enrolments by event id), and a
partial index on revoked certificates (few) for the "still trained" check.

Revision ID: 8ad6b9cb2109
Revises: ab1ddee0111a
Create Date: 2026-11-20 22:14:33.196620

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8ad6b9cb2109'
down_revision = 'ab1ddee0111a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('closed_year',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_by_id', sa.Integer(), nullable=True),
    sa.Column('participations', sa.Integer(), nullable=False),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['closed_by_id'], ['user_account.id'], name=op.f('fk_closed_year_closed_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_year')),
    sa.UniqueConstraint('year', name=op.f('uq_closed_year_year'))
    )
    op.create_table('training_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('chair', 'deputy_chair', 'committee_member', 'treasurer', 'audit_commission', 'conciliation_commission', 'youth_council', 'activist', 'staff', name='category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('planned', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('planned >= 0', name=op.f('ck_training_plan_planned_not_negative')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_training_plan_branch_id_branch')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_training_plan_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_training_plan')),
    sa.UniqueConstraint('branch_id', 'year', 'category', name=op.f('uq_training_plan_branch_id_year_category'))
    )
    with op.batch_alter_table('training_plan', schema=None) as batch_op:
        batch_op.create_index('ix_training_plan_year_branch', ['year', 'branch_id'], unique=False)

    op.create_table('closed_year_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('closed_year_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('enrollment_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('seminar', 'online_course', 'training', 'round_table', name='event_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('format', sa.Enum('in_person', 'online', 'hybrid', name='event_format', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('region_id', sa.Integer(), nullable=True),
    sa.Column('union_id', sa.Integer(), nullable=True),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('category', sa.Enum('chair', 'deputy_chair', 'committee_member', 'treasurer', 'audit_commission', 'conciliation_commission', 'youth_council', 'activist', 'staff', name='category', native_enum=False, create_constraint=True, length=32), nullable=True),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_closed_year_row_branch_id_branch')),
    sa.ForeignKeyConstraint(['closed_year_id'], ['closed_year.id'], name=op.f('fk_closed_year_row_closed_year_id_closed_year'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['enrollment_id'], ['enrollment.id'], name=op.f('fk_closed_year_row_enrollment_id_enrollment')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_closed_year_row_event_id_event')),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_closed_year_row_program_id_program')),
    sa.ForeignKeyConstraint(['region_id'], ['region.id'], name=op.f('fk_closed_year_row_region_id_region')),
    sa.ForeignKeyConstraint(['union_id'], ['sectoral_union.id'], name=op.f('fk_closed_year_row_union_id_sectoral_union')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_closed_year_row_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_closed_year_row')),
    sa.UniqueConstraint('closed_year_id', 'enrollment_id', name=op.f('uq_closed_year_row_closed_year_id_enrollment_id'))
    )
    with op.batch_alter_table('closed_year_row', schema=None) as batch_op:
        batch_op.create_index('ix_closed_year_row_year_branch', ['year', 'branch_id'], unique=False)
        batch_op.create_index('ix_closed_year_row_year_region', ['year', 'region_id', 'category'], unique=False)

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_revoked_enrollment', ['enrollment_id'], unique=False, sqlite_where=sa.text('revoked_at IS NOT NULL'), postgresql_where=sa.text('revoked_at IS NOT NULL'))

    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index('ix_enrollment_report', ['event_id', 'status', 'region_id', 'category', 'user_id', 'branch_id', 'union_id', 'id'], unique=False)



def downgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_report')

    with op.batch_alter_table('certificate', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_revoked_enrollment', sqlite_where=sa.text('revoked_at IS NOT NULL'), postgresql_where=sa.text('revoked_at IS NOT NULL'))

    with op.batch_alter_table('closed_year_row', schema=None) as batch_op:
        batch_op.drop_index('ix_closed_year_row_year_region')
        batch_op.drop_index('ix_closed_year_row_year_branch')

    op.drop_table('closed_year_row')
    with op.batch_alter_table('training_plan', schema=None) as batch_op:
        batch_op.drop_index('ix_training_plan_year_branch')

    op.drop_table('training_plan')
    op.drop_table('closed_year')
