"""Issue 22 (6–8): records of held events, online attendance thresholds, event materials

Revision ID: b025e635819d
Revises: e56b02862ae7
Create Date: 2026-12-02 02:59:49.222367

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b025e635819d'
down_revision = 'e56b02862ae7'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('event_material',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=True),
    sa.Column('filename', sa.String(length=200), nullable=True),
    sa.Column('mimetype', sa.String(length=100), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=True),
    sa.Column('content', sa.LargeBinary(), nullable=True),
    sa.Column('added_by_id', sa.Integer(), nullable=True),
    sa.Column('added_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(content IS NULL) <> (url IS NULL)', name=op.f('ck_event_material_file_or_link')),
    sa.ForeignKeyConstraint(['added_by_id'], ['user_account.id'], name=op.f('fk_event_material_added_by_id_user_account')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_material_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['session_id'], ['event_session.id'], name=op.f('fk_event_material_session_id_event_session'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_material'))
    )
    with op.batch_alter_table('event_material', schema=None) as batch_op:
        batch_op.create_index('ix_event_material_event', ['event_id', 'session_id'], unique=False)

    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recorded_after', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('online_present_percent', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('online_late_minutes', sa.Integer(), nullable=True))



def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('online_late_minutes')
        batch_op.drop_column('online_present_percent')
        batch_op.drop_column('recorded_after')

    with op.batch_alter_table('event_material', schema=None) as batch_op:
        batch_op.drop_index('ix_event_material_event')

    op.drop_table('event_material')
