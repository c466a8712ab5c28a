"""Bilingual venue, position and workplace (issue 13, item 2): Kazakh (and, for the venue,
English) columns beside the Russian ones, which keep their names and their values

Revision ID: c4d1e7a9b2f3
Revises: a30da987cedb
Create Date: 2026-12-02 03:20:00

"""
import sqlalchemy as sa
from alembic import op

revision = "c4d1e7a9b2f3"
down_revision = "a30da987cedb"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("venue_kk", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("venue_en", sa.String(length=500), nullable=True))
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("position_kk", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("workplace_kk", sa.String(length=300), nullable=True))


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("workplace_kk")
        batch_op.drop_column("position_kk")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_column("venue_en")
        batch_op.drop_column("venue_kk")
