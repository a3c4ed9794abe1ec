"""Who may decide on an order and when it was decided; the outbox of order events.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op
from copilot_orders.adapters.tables import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as orders:
        orders.add_column(sa.Column("session_id", sa.String(64), nullable=True))
        orders.add_column(sa.Column("decided_at", UtcDateTime(), nullable=True))
        orders.create_index("ix_orders_expires_at", ["expires_at"])
    op.create_table(
        "outbox",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True, index=True),
    )


def downgrade() -> None:
    op.drop_table("outbox")
    with op.batch_alter_table("orders") as orders:
        orders.drop_index("ix_orders_expires_at")
        orders.drop_column("decided_at")
        orders.drop_column("session_id")
