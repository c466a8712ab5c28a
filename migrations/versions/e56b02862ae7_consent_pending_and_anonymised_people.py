"""Consent pending (people entered by a coordinator) and anonymised people (issue 13)

Revision ID: e56b02862ae7
Revises: 7c3e9a51d2f0
Create Date: 2026-12-02 02:59:28.299755

"""
import sqlalchemy as sa
from alembic import op

revision = "e56b02862ae7"
down_revision = "7c3e9a51d2f0"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(sa.Column("consent_pending", sa.Boolean(),
                                      server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column("consent_withdrawn_at", sa.DateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True),
                                      nullable=True))
    # People a coordinator entered who never set a password nor consented: they are asked
    # at their first sign-in, like those entered from now on.
    op.execute(
        "UPDATE user_account SET consent_pending = true WHERE password_hash IS NULL"
        " AND NOT EXISTS (SELECT 1 FROM consent_record c WHERE c.user_id = user_account.id)"
    )


def downgrade():
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.drop_column("anonymised_at")
        batch_op.drop_column("consent_withdrawn_at")
        batch_op.drop_column("consent_pending")
