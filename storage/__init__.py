"""Persistence for Compact Rituals: SQLAlchemy async models, repositories and migrations.

Domain objects from `rituals` are never mapped directly; each repository translates rows to
and from them explicitly, so the domain stays free of database concerns and the schema can
evolve (with an Alembic migration) without touching the engine. SQLite is the embedded
default; PostgreSQL is for running several replicas.
"""
