"""Alembic environment: runs on the connection `copilot_orders.adapters.schema` hands it."""

from alembic import context

from copilot_orders.adapters.tables import Base

connection = context.config.attributes["connection"]
# Batch mode lets SQLite alter tables the way PostgreSQL can.
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
