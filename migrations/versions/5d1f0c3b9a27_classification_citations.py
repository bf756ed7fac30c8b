"""classification citations: what classified complaints cite, stored once

Revision ID: 5d1f0c3b9a27
Revises: c7a99725057e
Create Date: 2026-11-26 07:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d1f0c3b9a27'
down_revision = 'c7a99725057e'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('classification_citations',
    sa.Column('key', sa.String(length=32), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )


def downgrade():
    op.drop_table('classification_citations')
