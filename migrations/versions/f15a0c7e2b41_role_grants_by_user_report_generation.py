"""Role grants by user (every signed-in request reads them); the report's generation (issue 15)

Revision ID: f15a0c7e2b41
Revises: c4d1e7a9b2f3
Create Date: 2026-12-02 04:00:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

revision = "f15a0c7e2b41"
down_revision = "c4d1e7a9b2f3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.create_index("ix_role_grant_user_id", ["user_id"], unique=False)
    table = op.create_table(
        "report_generation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("value", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_generation")),
    )
    # A random start: see school/reports/freshness.py (a shared cache, several databases).
    op.bulk_insert(table, [{"id": 1, "value": secrets.randbelow(2**53)}])


def downgrade():
    op.drop_table("report_generation")
    with op.batch_alter_table("role_grant", schema=None) as batch_op:
        batch_op.drop_index("ix_role_grant_user_id")
