-- Nothing to do on SQLite: a write transaction there holds the database's single write lock from
-- its start (BEGIN IMMEDIATE), so writers of resource blocks already take turns. The PostgreSQL
-- migration of the same name makes them take turns per resource.
SELECT 1;
