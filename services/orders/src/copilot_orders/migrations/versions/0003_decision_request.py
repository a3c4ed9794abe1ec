"""Remember which request decided an order, so its redelivery gets the same answer.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("decision_id", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.drop_column("decision_id")
