"""Approval digests: one per approver and day (issue 12, item 3)

The unique (user_id, day) row is taken before a digest is mailed, so two runs at once send
it once.

Revision ID: 88851aed7e20
Revises: f15a0c7e2b41
Create Date: 2026-12-02 03:05:00.027198

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '88851aed7e20'
down_revision = 'f15a0c7e2b41'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('approval_digest',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('requests', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                            name=op.f('fk_approval_digest_user_id_user_account'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_digest')),
    sa.UniqueConstraint('user_id', 'day', name=op.f('uq_approval_digest_user_id_day'))
    )


def downgrade():
    op.drop_table('approval_digest')
