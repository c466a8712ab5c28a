"""due list at scale: a person's completed enrolments (covering, partial index)

Revision ID: 7c3e9a51d2f0
Revises: 44ea7ed5e012
Create Date: 2026-12-02 00:45:00

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '7c3e9a51d2f0'
down_revision = '44ea7ed5e012'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.create_index('ix_enrollment_user_completed', ['user_id', 'event_id'],
                              unique=False, postgresql_include=['id'],
                              sqlite_where=sa.text("status = 'completed'"),
                              postgresql_where=sa.text("status = 'completed'"))


def downgrade():
    with op.batch_alter_table('enrollment', schema=None) as batch_op:
        batch_op.drop_index('ix_enrollment_user_completed',
                            sqlite_where=sa.text("status = 'completed'"),
                            postgresql_where=sa.text("status = 'completed'"))
