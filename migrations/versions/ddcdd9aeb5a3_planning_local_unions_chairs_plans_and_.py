"""planning: local unions, chairs, plans and budgets

Revision ID: ddcdd9aeb5a3
Revises: 577c53e5b326
Create Date: 2026-12-01 23:00:16.238525

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ddcdd9aeb5a3'
down_revision = '577c53e5b326'
branch_labels = None
depends_on = None

ROLES_OLD = "role IN ('admin', 'coordinator', 'instructor', 'trainee')"
ROLES_NEW = "role IN ('admin', 'coordinator', 'instructor', 'trainee', 'chair')"
SCOPE_OLD = (
    "(role = 'coordinator' AND ((union_id IS NULL) <> (branch_id IS NULL)))"
    " OR (role <> 'coordinator' AND union_id IS NULL AND branch_id IS NULL)"
)
SCOPE_NEW = (
    "(role = 'coordinator' AND ((union_id IS NULL) <> (branch_id IS NULL))"
    " AND primary_org_id IS NULL)"
    " OR (role = 'chair' AND primary_org_id IS NOT NULL AND union_id IS NULL"
    " AND branch_id IS NULL)"
    " OR (role NOT IN ('coordinator', 'chair') AND union_id IS NULL"
    " AND branch_id IS NULL AND primary_org_id IS NULL)"
)


def upgrade():
    op.create_table('plan_deadline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('union', 'branch', 'local', 'organisation', name='plan_level', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_deadline')),
    sa.UniqueConstraint('year', 'level', name=op.f('uq_plan_deadline_year_level'))
    )
    op.create_table('plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('level', sa.Enum('union', 'branch', 'local', 'organisation', name='plan_level', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('union_id', sa.Integer(), nullable=False),
    sa.Column('branch_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.Enum('draft', 'submitted', 'approved', 'returned', name='plan_state', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('return_comment', sa.String(length=1000), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(level = 'union' AND branch_id IS NULL AND organization_id IS NULL) OR (level IN ('branch', 'local') AND branch_id IS NOT NULL AND organization_id IS NULL) OR (level = 'organisation' AND organization_id IS NOT NULL AND branch_id IS NULL)", name=op.f('ck_plan_unit_matches_level')),
    sa.ForeignKeyConstraint(['author_id'], ['user_account.id'], name=op.f('fk_plan_author_id_user_account')),
    sa.ForeignKeyConstraint(['branch_id'], ['branch.id'], name=op.f('fk_plan_branch_id_branch')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_plan_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['organization_id'], ['primary_organization.id'], name=op.f('fk_plan_organization_id_primary_organization')),
    sa.ForeignKeyConstraint(['union_id'], ['sectoral_union.id'], name=op.f('fk_plan_union_id_sectoral_union')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan'))
    )
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.create_index('ix_plan_year_union', ['year', 'union_id'], unique=False)
        batch_op.create_index('uq_plan_branch_year', ['branch_id', 'year'], unique=True, sqlite_where=sa.text('branch_id IS NOT NULL'), postgresql_where=sa.text('branch_id IS NOT NULL'))
        batch_op.create_index('uq_plan_organization_year', ['organization_id', 'year'], unique=True, sqlite_where=sa.text('organization_id IS NOT NULL'), postgresql_where=sa.text('organization_id IS NOT NULL'))
        batch_op.create_index('uq_plan_union_year', ['union_id', 'year'], unique=True, sqlite_where=sa.text("level = 'union'"), postgresql_where=sa.text("level = 'union'"))

    op.create_table('plan_reminder',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('deadline_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('unit_key', sa.String(length=40), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['deadline_id'], ['plan_deadline.id'], name=op.f('fk_plan_reminder_deadline_id_plan_deadline'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_plan_reminder_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_reminder')),
    sa.UniqueConstraint('deadline_id', 'user_id', 'unit_key', name=op.f('uq_plan_reminder_deadline_id_user_id_unit_key'))
    )
    op.create_table('event_cost',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Enum('venue', 'trainers', 'travel', 'materials', 'accommodation', 'other', name='budget_line', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('amount_tiyn', sa.BigInteger(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('amount_tiyn >= 0', name=op.f('ck_event_cost_amount_not_negative')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_cost_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_event_cost_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_cost')),
    sa.UniqueConstraint('event_id', 'line', name=op.f('uq_event_cost_event_id_line'))
    )
    op.create_table('plan_budget',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Enum('venue', 'trainers', 'travel', 'materials', 'accommodation', 'other', name='budget_line', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('source', sa.Enum('union_budget', 'employer', 'federation', name='funding_source', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('amount_tiyn', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('amount_tiyn >= 0', name=op.f('ck_plan_budget_amount_not_negative')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_budget_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_plan_budget_program_id_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_budget'))
    )
    with op.batch_alter_table('plan_budget', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_budget_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('seminar', 'online_course', 'training', 'round_table', name='event_kind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('participants', sa.Integer(), nullable=False),
    sa.CheckConstraint('month BETWEEN 1 AND 12', name=op.f('ck_plan_event_month_in_year')),
    sa.CheckConstraint('participants >= 0', name=op.f('ck_plan_event_participants_not_negative')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_event_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_plan_event_program_id_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_event'))
    )
    with op.batch_alter_table('plan_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_event_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_headcount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('category', sa.Enum('chair', 'deputy_chair', 'committee_member', 'treasurer', 'audit_commission', 'conciliation_commission', 'youth_council', 'activist', 'staff', name='category', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('program_id', sa.Integer(), nullable=True),
    sa.Column('people', sa.Integer(), nullable=False),
    sa.CheckConstraint('people >= 0', name=op.f('ck_plan_headcount_people_not_negative')),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_headcount_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['program_id'], ['program.id'], name=op.f('fk_plan_headcount_program_id_program')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_headcount'))
    )
    with op.batch_alter_table('plan_headcount', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_headcount_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reopened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reopened_by_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plan.id'], name=op.f('fk_plan_revision_plan_id_plan'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reopened_by_id'], ['user_account.id'], name=op.f('fk_plan_revision_reopened_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_revision')),
    sa.UniqueConstraint('plan_id', 'revision', name=op.f('uq_plan_revision_plan_id_revision'))
    )
    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_branch_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_branch_parent_id_branch'), 'branch', ['parent_id'], ['id'])

    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.add_column(sa.Column('primary_org_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_role_grant_primary_org_id_primary_organization'), 'primary_organization', ['primary_org_id'], ['id'])
        # A chair's grant names one primary organisation: the role list and the scope rule
        # are CHECK constraints, replaced as a whole.
        batch_op.drop_constraint(batch_op.f('ck_role_grant_role'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_role_grant_scope_matches_role'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_role'), ROLES_NEW)
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_scope_matches_role'), SCOPE_NEW)


def downgrade():
    op.execute("DELETE FROM role_grant WHERE role = 'chair'")
    with op.batch_alter_table('role_grant', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_role_grant_role'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_role_grant_scope_matches_role'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_role_grant_primary_org_id_primary_organization'), type_='foreignkey')
        batch_op.drop_column('primary_org_id')
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_role'), ROLES_OLD)
        batch_op.create_check_constraint(batch_op.f('ck_role_grant_scope_matches_role'), SCOPE_OLD)

    with op.batch_alter_table('branch', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_branch_parent_id_branch'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_branch_parent_id'))
        batch_op.drop_column('parent_id')

    op.drop_table('plan_revision')
    with op.batch_alter_table('plan_headcount', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_headcount_plan_id'))

    op.drop_table('plan_headcount')
    with op.batch_alter_table('plan_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_event_plan_id'))

    op.drop_table('plan_event')
    with op.batch_alter_table('plan_budget', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_budget_plan_id'))

    op.drop_table('plan_budget')
    op.drop_table('event_cost')
    op.drop_table('plan_reminder')
    with op.batch_alter_table('plan', schema=None) as batch_op:
        batch_op.drop_index('uq_plan_union_year', sqlite_where=sa.text("level = 'union'"), postgresql_where=sa.text("level = 'union'"))
        batch_op.drop_index('uq_plan_organization_year', sqlite_where=sa.text('organization_id IS NOT NULL'), postgresql_where=sa.text('organization_id IS NOT NULL'))
        batch_op.drop_index('uq_plan_branch_year', sqlite_where=sa.text('branch_id IS NOT NULL'), postgresql_where=sa.text('branch_id IS NOT NULL'))
        batch_op.drop_index('ix_plan_year_union')

    op.drop_table('plan')
    op.drop_table('plan_deadline')
