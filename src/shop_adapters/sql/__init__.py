"""SQLAlchemy 2 (asyncio) persistence: Core tables, imperative mapping, unit of work, Alembic."""
