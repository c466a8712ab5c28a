"""certificate batches: progress of issuing for a whole event

Revision ID: ab1ddee0111a
Revises: 84c831009f44
Create Date: 2026-11-20 22:13:04.440999

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ab1ddee0111a'
down_revision = '84c831009f44'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('certificate_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='certificate_batch_status', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.String(length=64), nullable=True),
    sa.Column('error', sa.String(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_certificate_batch_event_id_event'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_certificate_batch_requested_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_batch'))
    )
    with op.batch_alter_table('certificate_batch', schema=None) as batch_op:
        batch_op.create_index('ix_certificate_batch_event_created', ['event_id', 'created_at'], unique=False)



def downgrade():
    with op.batch_alter_table('certificate_batch', schema=None) as batch_op:
        batch_op.drop_index('ix_certificate_batch_event_created')

    op.drop_table('certificate_batch')
