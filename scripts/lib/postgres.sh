# shellcheck shell=bash
# Sourced by scripts/run and scripts/test.
#
#   ensure_postgres <dbname>   make a PostgreSQL server answer, create the roles and the
#                              database if missing, and export
#                                DATABASE_URL=postgres://postroom@127.0.0.1:5432/<dbname>
#                                  (migrator: owns the tables, BYPASSRLS for admin checks; CREATEDB for #[sqlx::test])
#                                POSTROOM_DATABASE_APP_URL=postgres://postroom_app@127.0.0.1:5432/<dbname>
#                                  (runtime role: NOSUPERUSER NOBYPASSRLS)
#   reset_database <dbname>    drop (WITH (FORCE)) and recreate <dbname> owned by postroom.
#
# If the caller set DATABASE_URL before the first ensure_postgres, it is used as is (no
# server is started, no database is created); the runtime URL is derived from it by
# replacing the user with postroom_app unless POSTROOM_DATABASE_APP_URL is set too.
#
# Server lookup order otherwise: something answering on 127.0.0.1:5432; else Debian's
# cluster (/etc/postgresql/<ver>/main, pg_ctlcluster); else, with no server binaries,
# `apt-get install postgresql` and its cluster; else a project-local cluster in
# target/pgdata. Local connections use trust auth, so the URLs carry no password.

POSTROOM_ROOT="${POSTROOM_ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"

_PR_PG_HOST=127.0.0.1
_PR_PG_PORT=5432
_PR_PG_SUPER="${_PR_PG_SUPER:-}" # how to reach a superuser: tcp | sock (picked once)

_pr_log() { printf '[postroom] %s\n' "$*" >&2; }

_pr_as_root() {
    if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null 2>&1; then
        sudo -n "$@"
    else
        _pr_log "need root for: $*"
        return 1
    fi
}

# Run "$@" as the postgres OS user from / (initdb, pg_ctl and psql refuse root, and
# complain when they cannot read the current directory). Without root: run as ourselves.
_pr_as_postgres() {
    if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
        (cd / && runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# Did the user hand us DATABASE_URL (as opposed to one we exported earlier)?
_pr_db_url_from_user() {
    [[ -n "${DATABASE_URL:-}" && "${DATABASE_URL}" != "${_POSTROOM_MANAGED_DATABASE_URL:-}" ]]
}

_pr_pg_ready() {
    local isready
    isready="$(command -v pg_isready || ls /usr/lib/postgresql/*/bin/pg_isready 2>/dev/null | sort -V | tail -n1 || true)"
    [[ -n "$isready" ]] || return 1
    "$isready" -q -h "$_PR_PG_HOST" -p "$_PR_PG_PORT" -t 3 </dev/null
}

_pr_pg_wait_ready() {
    local i
    for ((i = 0; i < 60; i++)); do
        _pr_pg_ready && return 0
        sleep 1
    done
    _pr_log "PostgreSQL did not answer on $_PR_PG_HOST:$_PR_PG_PORT within 60 s"
    return 1
}

# Newest Debian cluster version that has a "main" cluster, or nothing.
_pr_pg_debian_cluster() {
    local v best=""
    [[ -d /etc/postgresql ]] || return 0
    for v in $(ls /etc/postgresql 2>/dev/null | sort -V); do
        [[ -f "/etc/postgresql/$v/main/postgresql.conf" ]] && best="$v"
    done
    printf '%s' "$best"
}

# Newest /usr/lib/postgresql/<ver>/bin that has a server binary, or nothing.
_pr_pg_server_bindir() {
    local d
    d="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)"
    [[ -n "$d" && -x "$d/postgres" ]] && printf '%s' "$d"
    return 0
}

_pr_pg_start_debian_cluster() {
    local ver="$1"
    _pr_log "starting Debian PostgreSQL cluster $ver/main (pg_ctlcluster)"
    # Exit code 2 means "already running" (e.g. on another address): keep going and wait.
    _pr_as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start </dev/null ||
        _pr_log "pg_ctlcluster start returned $? (continuing; waiting for 127.0.0.1:5432)"
}

# Only for a cluster that this script itself just got from apt: Debian's default
# pg_hba.conf wants passwords on 127.0.0.1; this project relies on local trust auth.
_pr_pg_trust_localhost() {
    local ver="$1" hba="/etc/postgresql/$1/main/pg_hba.conf"
    [[ -f "$hba" ]] || return 0
    if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
        _pr_log "enabling trust auth for 127.0.0.1 and ::1 in $hba"
        _pr_as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba" || return 1
        _pr_as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main reload </dev/null >/dev/null 2>&1 || true
    fi
}

# A cluster of our own under target/pgdata (or /var/lib/postgresql/postroom-pgdata when
# the postgres user cannot reach the work tree), trust auth, 127.0.0.1:5432.
_pr_pg_start_local_cluster() {
    local bindir data sockdir=/var/run/postgresql
    bindir="$(_pr_pg_server_bindir)"
    [[ -n "$bindir" ]] || { _pr_log "no PostgreSQL server binaries found"; return 1; }
    data="$POSTROOM_ROOT/target/pgdata"
    mkdir -p "$data" || return 1
    if [[ ${EUID:-$(id -u)} -eq 0 ]]; then
        chown postgres:postgres "$data" && chmod 700 "$data" || return 1
        if ! _pr_as_postgres test -w "$data"; then
            data=/var/lib/postgresql/postroom-pgdata
            _pr_log "postgres user cannot write under $POSTROOM_ROOT; using $data"
            mkdir -p "$data" && chown postgres:postgres "$data" && chmod 700 "$data" || return 1
        fi
        mkdir -p "$sockdir" && chown postgres:postgres "$sockdir" || return 1
    else
        chmod 700 "$data" || return 1
        [[ -w "$sockdir" ]] || sockdir=/tmp
    fi
    if [[ ! -s "$data/PG_VERSION" ]]; then
        _pr_log "initdb project-local cluster in $data"
        _pr_as_postgres "$bindir/initdb" -D "$data" --auth=trust --username=postgres \
            --encoding=UTF8 --locale=C.UTF-8 >/dev/null || return 1
    fi
    _pr_log "starting project-local PostgreSQL in $data (log: $data/server.log)"
    _pr_as_postgres "$bindir/pg_ctl" -D "$data" -l "$data/server.log" -w -t 60 \
        -o "-c listen_addresses=$_PR_PG_HOST -c port=$_PR_PG_PORT -c unix_socket_directories=$sockdir" \
        start </dev/null >/dev/null || return 1
}

_pr_pg_start_server() {
    local ver bindir
    if _pr_pg_ready; then
        return 0
    fi
    ver="$(_pr_pg_debian_cluster)"
    bindir="$(_pr_pg_server_bindir)"
    if [[ -n "$ver" && -x "/usr/lib/postgresql/$ver/bin/postgres" ]]; then
        _pr_pg_start_debian_cluster "$ver" || return 1
    elif [[ -z "$bindir" ]]; then
        _pr_log "no PostgreSQL server installed: apt-get install -y postgresql"
        export DEBIAN_FRONTEND=noninteractive
        if ! _pr_as_root apt-get install -y -q postgresql </dev/null; then
            _pr_as_root apt-get update -qq || return 1
            _pr_as_root apt-get install -y -q postgresql </dev/null || return 1
        fi
        ver="$(_pr_pg_debian_cluster)"
        if [[ -n "$ver" ]]; then
            # postgresql-common's postinst normally creates (and may start) <ver>/main.
            _pr_pg_trust_localhost "$ver" || return 1
            _pr_pg_ready || _pr_pg_start_debian_cluster "$ver" || return 1
        else
            _pr_pg_start_local_cluster || return 1
        fi
    else
        _pr_pg_start_local_cluster || return 1
    fi
    _pr_pg_wait_ready
}

_pr_psql_super() {
    case "$_PR_PG_SUPER" in
        tcp)
            psql -X -w -q -v ON_ERROR_STOP=1 -h "$_PR_PG_HOST" -p "$_PR_PG_PORT" -U postgres -d postgres "$@"
            ;;
        sock)
            _pr_as_postgres env -u PGHOST -u PGHOSTADDR -u PGUSER -u PGDATABASE -u PGPORT \
                psql -X -w -q -v ON_ERROR_STOP=1 -p "$_PR_PG_PORT" -d postgres "$@"
            ;;
        *)
            _pr_log "internal: superuser connection not chosen"
            return 1
            ;;
    esac
}

_pr_pg_pick_super() {
    local out m
    [[ -n "$_PR_PG_SUPER" ]] && return 0
    for m in tcp sock; do
        _PR_PG_SUPER="$m"
        out="$(_pr_psql_super -Atc 'SELECT rolsuper FROM pg_roles WHERE rolname = current_user' </dev/null 2>/dev/null || true)"
        if [[ "$out" == "t" ]]; then
            return 0
        fi
    done
    _PR_PG_SUPER=""
    _pr_log "cannot connect to PostgreSQL as a superuser (tried 'psql -h 127.0.0.1 -U postgres' and 'runuser -u postgres -- psql')"
    return 1
}

_pr_valid_dbname() {
    [[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || { _pr_log "invalid database name '$1' (want [a-z_][a-z0-9_]*)"; return 1; }
}

# postgres://user:pw@host:port/db?x -> postgres://postroom_app@host:port/db?x
_pr_app_url_from() {
    local url="$1" scheme rest
    if [[ "$url" =~ ^([A-Za-z][A-Za-z0-9+.-]*://)(.*)$ ]]; then
        scheme="${BASH_REMATCH[1]}"
        rest="${BASH_REMATCH[2]}"
        # Drop userinfo: everything up to the last '@' before the first '/', '?' or '#'.
        local authority="${rest%%[/?#]*}"
        local tail="${rest:${#authority}}"
        authority="${authority##*@}"
        printf '%spostroom_app@%s%s' "$scheme" "$authority" "$tail"
    else
        return 1
    fi
}

# DATABASE_URL came from the user: use it; best effort create postroom_app there.
_pr_pg_use_user_url() {
    local app
    _pr_log "using DATABASE_URL from the environment as the migrator URL"
    if [[ -z "${POSTROOM_DATABASE_APP_URL:-}" || "${POSTROOM_DATABASE_APP_URL}" == "${_POSTROOM_MANAGED_APP_URL:-}" ]]; then
        app="$(_pr_app_url_from "$DATABASE_URL")" || { _pr_log "cannot parse DATABASE_URL"; return 1; }
        export POSTROOM_DATABASE_APP_URL="$app"
        export _POSTROOM_MANAGED_APP_URL="$app"
    fi
    if command -v psql >/dev/null 2>&1; then
        psql -X -w -q -v ON_ERROR_STOP=1 "$DATABASE_URL" >/dev/null 2>&1 <<'SQL' ||
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_app') THEN
    CREATE ROLE postroom_app LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_jobs') THEN
    CREATE ROLE postroom_jobs LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_auth') THEN
    CREATE ROLE postroom_auth LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT;
  END IF;
  IF NOT pg_has_role('postroom_auth', 'postroom_app', 'MEMBER') THEN
    GRANT postroom_app TO postroom_auth;
  END IF;
  EXECUTE format('GRANT CONNECT ON DATABASE %I TO postroom_app, postroom_jobs, postroom_auth', current_database());
END
$$;
SQL
            _pr_log "note: could not ensure role postroom_app via DATABASE_URL (best effort; create it yourself if the app needs it)"
    fi
    _pr_log "DATABASE_URL (migrator) = $(_pr_redact "$DATABASE_URL")"
    _pr_log "POSTROOM_DATABASE_APP_URL (runtime) = $(_pr_redact "$POSTROOM_DATABASE_APP_URL")"
}

_pr_redact() { sed -E 's#(://[^:/@]+):[^@/]*@#\1:***@#' <<<"$1"; }

ensure_postgres() {
    local db="${1:?usage: ensure_postgres <dbname>}"
    _pr_valid_dbname "$db" || return 1

    if _pr_db_url_from_user; then
        _pr_pg_use_user_url
        return
    fi

    _pr_pg_start_server || return 1
    command -v psql >/dev/null 2>&1 || { _pr_log "psql not found on PATH"; return 1; }
    _pr_pg_pick_super || return 1

    _pr_psql_super -v db="$db" >/dev/null <<'SQL' || { _pr_log "creating roles/database $db failed"; return 1; }
SELECT 'CREATE ROLE postroom LOGIN CREATEDB CREATEROLE BYPASSRLS NOSUPERUSER'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom') \gexec
SELECT 'ALTER ROLE postroom LOGIN CREATEDB CREATEROLE BYPASSRLS NOSUPERUSER'
 WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom'
               AND NOT (rolcanlogin AND rolcreatedb AND rolcreaterole AND rolbypassrls AND NOT rolsuper)) \gexec
SELECT 'CREATE ROLE postroom_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_app') \gexec
SELECT 'ALTER ROLE postroom_app LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
 WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_app'
               AND NOT (rolcanlogin AND NOT rolsuper AND NOT rolbypassrls AND NOT rolcreatedb AND NOT rolcreaterole)) \gexec
SELECT 'CREATE ROLE postroom_jobs LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_jobs') \gexec
SELECT 'ALTER ROLE postroom_jobs LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE'
 WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_jobs'
               AND NOT (rolcanlogin AND NOT rolsuper AND NOT rolbypassrls AND NOT rolcreatedb AND NOT rolcreaterole)) \gexec
SELECT 'CREATE ROLE postroom_auth LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_auth') \gexec
SELECT 'ALTER ROLE postroom_auth LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE NOINHERIT'
 WHERE EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'postroom_auth'
               AND NOT (rolcanlogin AND NOT rolsuper AND NOT rolbypassrls AND NOT rolcreatedb
                        AND NOT rolcreaterole AND NOT rolinherit)) \gexec
SELECT 'GRANT postroom_app TO postroom_auth'
 WHERE NOT pg_has_role('postroom_auth', 'postroom_app', 'MEMBER') \gexec
SELECT format('CREATE DATABASE %I OWNER postroom', :'db')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO postroom', :'db')
  FROM pg_database WHERE datname = :'db' AND pg_get_userbyid(datdba) <> 'postroom' \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO postroom_app, postroom_jobs, postroom_auth', :'db') \gexec
SQL

    export DATABASE_URL="postgres://postroom@$_PR_PG_HOST:$_PR_PG_PORT/$db"
    export POSTROOM_DATABASE_APP_URL="postgres://postroom_app@$_PR_PG_HOST:$_PR_PG_PORT/$db"
    export POSTROOM_DATABASE_JOBS_URL="postgres://postroom_jobs@$_PR_PG_HOST:$_PR_PG_PORT/$db"
    export POSTROOM_DATABASE_AUTH_URL="postgres://postroom_auth@$_PR_PG_HOST:$_PR_PG_PORT/$db"
    # Remember what we exported, so a second ensure_postgres (other db) does not mistake
    # them for values the user set.
    export _POSTROOM_MANAGED_DATABASE_URL="$DATABASE_URL"
    export _POSTROOM_MANAGED_APP_URL="$POSTROOM_DATABASE_APP_URL"

    # Both roles must log in over TCP without a password (trust auth).
    local u
    for u in "$DATABASE_URL" "$POSTROOM_DATABASE_APP_URL" "$POSTROOM_DATABASE_JOBS_URL" "$POSTROOM_DATABASE_AUTH_URL"; do
        if ! psql -X -w -q "$u" -Atc 'SELECT 1' </dev/null >/dev/null 2>&1; then
            _pr_log "cannot log in with $u: pg_hba.conf must allow trust for host 127.0.0.1/32"
            return 1
        fi
    done
    _pr_log "database $db ready: DATABASE_URL=$DATABASE_URL POSTROOM_DATABASE_APP_URL=$POSTROOM_DATABASE_APP_URL"
}

reset_database() {
    local db="${1:?usage: reset_database <dbname>}"
    _pr_valid_dbname "$db" || return 1
    if _pr_db_url_from_user; then
        _pr_log "WARNING: DATABASE_URL was set by you; not dropping anything, $db is left as it is"
        return 0
    fi
    _pr_pg_pick_super || return 1
    _pr_log "resetting database $db (drop with force, recreate owned by postroom)"
    _pr_psql_super -v db="$db" >/dev/null <<'SQL' || { _pr_log "resetting $db failed"; return 1; }
SELECT format('DROP DATABASE IF EXISTS %I WITH (FORCE)', :'db') \gexec
SELECT format('CREATE DATABASE %I OWNER postroom', :'db') \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO postroom_app, postroom_jobs, postroom_auth', :'db') \gexec
SQL
}
