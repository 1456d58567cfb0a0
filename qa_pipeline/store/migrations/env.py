"""Alembic environment: run on the connection :class:`~qa_pipeline.store.Store` hands over."""

from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=None, render_as_batch=True,
                  transaction_per_migration=False)
context.run_migrations()
