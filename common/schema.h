/*
 * schema: the migrations in schema/NNN-name.sql (SQLite) and
 * schema/postgresql/NNN-name.sql, compiled in (build-aux/sql2c makes
 * schema.c), so the programs and the database can never disagree about them.
 */
#ifndef SCHEMA_H
#define SCHEMA_H

struct schema_migration {
	int		 version;	/* 1, 2, ...: PRAGMA user_version, or the
					   PostgreSQL table schema_version */
	const char	*name;		/* file name, for messages */
	const char	*sql;
};

/* SQLite's and PostgreSQL's, version for version: schema_version of each. */
extern const struct schema_migration schema_migrations[];
extern const struct schema_migration schema_migrations_pg[];

/* The version a database must have before the programs will use it. */
extern const int schema_version;

#endif
