"""calendar feed tokens: one secret per person for the personal iCalendar feed

Revision ID: 84c831009f44
Revises: 832901493e16
Create Date: 2026-11-20 22:11:49.857700

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '84c831009f44'
down_revision = '832901493e16'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_calendar_token_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_token')),
    sa.UniqueConstraint('token', name=op.f('uq_calendar_token_token')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_token_user_id'))
    )


def downgrade():
    op.drop_table('calendar_token')
