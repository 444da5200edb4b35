"""PostgreSQL chores of the dev cloud's Nova peer (runs in Nova's venv: psycopg2).

    python nova_dbtool.py SERVER_URL list
    python nova_dbtool.py SERVER_URL drop NAME...
    python nova_dbtool.py SERVER_URL create NAME[=TEMPLATE]...
    python nova_dbtool.py SERVER_URL comment NAME=TEXT...
    python nova_dbtool.py SERVER_URL map-hosts API_DB CELL_NAME HOST...

SERVER_URL is an SQLAlchemy-style URL without database
(``postgresql+psycopg2://postgres@127.0.0.1:5432``).  ``list`` prints
``{database: comment}`` as JSON.

``map-hosts`` does what ``nova-manage cell_v2 discover_hosts`` would do for
hosts known in advance (a host mapping row per host, in the API database)
without the 6-8 s that nova-manage spends importing Nova.  A later
``discover_hosts`` finds the mappings and leaves them alone.
"""

from __future__ import annotations

import json
import sys
import urllib.parse

import psycopg2
from psycopg2 import sql


def connect(server_url: str, dbname: str = "postgres"):
    url = urllib.parse.urlparse(server_url)
    conn = psycopg2.connect(
        host=url.hostname or "127.0.0.1",
        port=url.port or 5432,
        user=urllib.parse.unquote(url.username or "postgres"),
        password=urllib.parse.unquote(url.password) if url.password else None,
        dbname=dbname,
    )
    conn.autocommit = True
    return conn


def main(argv: list[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    server, action, args = argv[0], argv[1], argv[2:]
    if action == "map-hosts":
        api_db, cell_name, hosts = args[0], args[1], args[2:]
        with connect(server, api_db) as conn, conn.cursor() as cur:
            cur.execute("SELECT id FROM cell_mappings WHERE name = %s", (cell_name,))
            row = cur.fetchone()
            if row is None:
                print(f"no cell named {cell_name} in {api_db}", file=sys.stderr)
                return 1
            for host in hosts:
                cur.execute(
                    "INSERT INTO host_mappings (created_at, cell_id, host) VALUES (now(), %s, %s)"
                    " ON CONFLICT (host) DO NOTHING",
                    (row[0], host),
                )
        return 0
    conn = connect(server)
    cur = conn.cursor()
    if action == "list":
        cur.execute("SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database")
        print(json.dumps(dict(cur.fetchall())))
    elif action == "drop":
        for name in args:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    elif action == "create":
        for spec in args:
            name, _, template = spec.partition("=")
            query = sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name))
            if template:
                query += sql.SQL(" TEMPLATE {}").format(sql.Identifier(template))
            cur.execute(query)
    elif action == "comment":
        for spec in args:
            name, _, text = spec.partition("=")
            cur.execute(sql.SQL("COMMENT ON DATABASE {} IS %s").format(sql.Identifier(name)), (text,))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
