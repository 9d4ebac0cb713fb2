"""The SQLite layer: one connection owner, numbered migrations and one module of SQL per aggregate."""
