/* SPDX-License-Identifier: MIT */
/* The persistent scan state in SQLite (include/phash/state.h).
 *
 * Why SQLite (Debian's libsqlite3) and not LMDB: a state must survive
 * kill -9 and power loss for years on office PCs, and a damaged one must be
 * recognised rather than trusted. SQLite gives transactions with a
 * write-ahead log (a killed writer leaves the last committed state),
 * PRAGMA quick_check to verify a file at open, an application id in its
 * header to tell our file from anybody else's, secondary queries (pending
 * matches, pruning a folder's entries by path range) without hand-built
 * indexes, a file that grows and shrinks as needed (LMDB needs a map size
 * chosen up front and never shrinks its file), and one database file. LMDB
 * would read faster, but lookups are not the cost here: a cache hit is one
 * indexed lookup next to opening the file and reading its first bytes.
 *
 * Layout (schema version 1):
 *   meta(key, value)
 *   files(id, path UNIQUE, dev, ino, size, mtime_ns, ctime_ns, check_sum,
 *         config, status, format, kind, width, height, flags, channels,
 *         orientation, detail, hashes, stored_at)
 *   matches(match_id PRIMARY KEY, path, algo, sig_algo, distance, variant,
 *           hash, list, sig_id, metadata, quality, category, view, size,
 *           mtime_ns, found_at, delivered)
 *   temp.seen(path) per connection: the paths walked by the current scan.
 */
#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "platform/platform.h"
#include "state/state_int.h"

#define PH_STATE_APP_ID 0x70687374 /* "phst" in the database header */
#define PH_STATE_SCHEMA 1

enum {
    Q_LOOKUP,
    Q_UPSERT,
    Q_MATCH_ADD,
    Q_MATCH_KNOWN,
    Q_MATCH_DELIVERED,
    Q_SEEN_ADD,
    Q_PRUNE_ONE,
    Q_PRUNE_TREE,
    Q_PENDING,
    Q_FILES,
    Q_COUNT
};

static const char *const queries[Q_COUNT] = {
    [Q_LOOKUP] = "SELECT dev, ino, size, mtime_ns, ctime_ns, check_sum, config, status, format, "
                 "kind, width, height, flags, channels, orientation, detail, hashes "
                 "FROM files WHERE path = ?1",
    [Q_UPSERT] = "INSERT INTO files(path, dev, ino, size, mtime_ns, ctime_ns, check_sum, config, "
                 "status, format, kind, width, height, flags, channels, orientation, detail, "
                 "hashes, stored_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
                 "?13, ?14, ?15, ?16, ?17, ?18, ?19) ON CONFLICT(path) DO UPDATE SET "
                 "dev = ?2, ino = ?3, size = ?4, mtime_ns = ?5, ctime_ns = ?6, check_sum = ?7, "
                 "config = ?8, status = ?9, format = ?10, kind = ?11, width = ?12, height = ?13, "
                 "flags = ?14, channels = ?15, orientation = ?16, detail = ?17, hashes = ?18, "
                 "stored_at = ?19",
    [Q_MATCH_ADD] = "INSERT OR IGNORE INTO matches(match_id, path, algo, sig_algo, distance, "
                    "variant, hash, list, sig_id, metadata, quality, category, view, size, "
                    "mtime_ns, found_at, delivered) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, "
                    "?10, ?11, ?12, ?13, ?14, ?15, ?16, 0)",
    [Q_MATCH_KNOWN] = "SELECT delivered FROM matches WHERE match_id = ?1",
    [Q_MATCH_DELIVERED] = "UPDATE matches SET delivered = 1 WHERE match_id = ?1",
    [Q_SEEN_ADD] = "INSERT OR IGNORE INTO temp.seen(path) VALUES (?1)",
    [Q_PRUNE_ONE] = "DELETE FROM files WHERE path = ?1 AND path NOT IN (SELECT path FROM temp.seen)",
    /* root/ <= path < root0 ('0' follows '/'): everything below root */
    [Q_PRUNE_TREE] = "DELETE FROM files WHERE path >= ?1 AND path < ?2 AND "
                     "path NOT IN (SELECT path FROM temp.seen)",
    [Q_PENDING] = "SELECT rowid, match_id, path, algo, sig_algo, distance, variant, hash, list, "
                  "sig_id, metadata, quality, category, view, size, mtime_ns FROM matches "
                  "WHERE delivered = 0 AND rowid > ?1 ORDER BY rowid LIMIT 256",
    [Q_FILES] = "SELECT id, path, dev, ino, size, mtime_ns, ctime_ns, status, format, kind, "
                "width, height, flags, channels, orientation, detail, hashes FROM files "
                "WHERE id > ?1 AND config = ?2 AND status = 0 ORDER BY id LIMIT 512",
};

static const char schema[] =
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;"
    "CREATE TABLE IF NOT EXISTS files(id INTEGER PRIMARY KEY, path BLOB NOT NULL UNIQUE, "
    "dev INTEGER, ino INTEGER, size INTEGER, mtime_ns INTEGER, ctime_ns INTEGER, "
    "check_sum BLOB, config TEXT, status INTEGER, format INTEGER, kind INTEGER, "
    "width INTEGER, height INTEGER, flags INTEGER, channels INTEGER, orientation INTEGER, "
    "detail TEXT, hashes BLOB, stored_at INTEGER);"
    "CREATE TABLE IF NOT EXISTS matches(match_id TEXT NOT NULL UNIQUE, path BLOB NOT NULL, "
    "algo TEXT, sig_algo INTEGER, distance INTEGER, variant TEXT, hash TEXT, list TEXT, "
    "sig_id TEXT, metadata TEXT, quality INTEGER, category TEXT, view TEXT, size INTEGER, "
    "mtime_ns INTEGER, found_at INTEGER, delivered INTEGER NOT NULL);"
    "CREATE INDEX IF NOT EXISTS matches_pending ON matches(delivered) WHERE delivered = 0;";

struct phash_state {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
    ph_mutex *lock;
    int batch; /* inside ph_state_batch_begin/end */
    char *path;
    char rebuilt[PH_DETAIL_LEN];
    ph_error err;
};

/* ---- errors ---------------------------------------------------------------- */

static int db_fail(phash_state *st, const char *what)
{
    ph_error_set(&st->err, PHASH_ERR_IO, "state %s: %s: %s", st->path, what,
                 sqlite3_errmsg(st->db));
    return -1;
}

void ph_state_note_error(phash_state *st, const char *what)
{
    ph_mutex_lock(st->lock);
    ph_error_set(&st->err, PHASH_ERR_IO, "state %s: %s", st->path, what);
    ph_mutex_unlock(st->lock);
}

const char *phash_state_last_error(const phash_state *st)
{
    return st ? ph_error_message(&st->err) : phash_strerror(PHASH_ERR_INVALID_ARG);
}

const char *phash_state_rebuilt(const phash_state *st)
{
    return st && st->rebuilt[0] ? st->rebuilt : NULL;
}

/* ---- opening ----------------------------------------------------------------- */

static void close_db(phash_state *st)
{
    for (int i = 0; i < Q_COUNT; i++) {
        sqlite3_finalize(st->q[i]);
        st->q[i] = NULL;
    }
    if (st->db)
        sqlite3_close(st->db);
    st->db = NULL;
}

static int exec(phash_state *st, const char *sql)
{
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* A single integer from a query, or -1. */
static int64_t query_int(phash_state *st, const char *sql)
{
    sqlite3_stmt *q;
    int64_t v = -1;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) != SQLITE_OK)
        return -1;
    if (sqlite3_step(q) == SQLITE_ROW)
        v = sqlite3_column_int64(q, 0);
    sqlite3_finalize(q);
    return v;
}

/* The file exists and is not a phash state we can trust: why, or NULL when
 * it is one (or empty: a new state). */
static const char *verify(phash_state *st, char *why, size_t cap)
{
    int64_t app = query_int(st, "PRAGMA application_id");
    if (app < 0) {
        snprintf(why, cap, "not an SQLite database (%s)", sqlite3_errmsg(st->db));
        return why;
    }
    int64_t tables = query_int(st, "SELECT count(*) FROM sqlite_schema");
    if (tables < 0) {
        snprintf(why, cap, "unreadable (%s)", sqlite3_errmsg(st->db));
        return why;
    }
    if (app == 0 && tables == 0)
        return NULL; /* a new, empty database */
    if (app != PH_STATE_APP_ID) {
        snprintf(why, cap, "another application's database (application id 0x%llx)",
                 (unsigned long long)app);
        return why;
    }
    int64_t version = query_int(st, "PRAGMA user_version");
    if (version != PH_STATE_SCHEMA) {
        snprintf(why, cap, "a state of schema version %lld, this build reads %d",
                 (long long)version, PH_STATE_SCHEMA);
        return why;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(st->db, "PRAGMA quick_check", -1, &q, NULL) != SQLITE_OK) {
        snprintf(why, cap, "damaged (%s)", sqlite3_errmsg(st->db));
        return why;
    }
    int rc = sqlite3_step(q);
    const char *res = rc == SQLITE_ROW ? (const char *)sqlite3_column_text(q, 0) : NULL;
    int ok = res && !strcmp(res, "ok");
    if (!ok)
        snprintf(why, cap, "damaged (quick_check: %s)", res ? res : sqlite3_errmsg(st->db));
    sqlite3_finalize(q);
    return ok ? NULL : why;
}

static int create_schema(phash_state *st)
{
    char sql[128];
    if (exec(st, "BEGIN IMMEDIATE") || exec(st, schema))
        return db_fail(st, "cannot create the tables");
    snprintf(sql, sizeof sql, "PRAGMA application_id = %d; PRAGMA user_version = %d",
             PH_STATE_APP_ID, PH_STATE_SCHEMA);
    if (exec(st, sql) || exec(st, "COMMIT"))
        return db_fail(st, "cannot create the tables");
    return 0;
}

/* Create the file with mode 0600 before SQLite opens it (its -wal and -shm
 * take the database's mode); an existing one is made 0600 too. Refuses
 * anything but a regular file, never following a symbolic link. */
static phash_status prepare_file(phash_state *st)
{
    int err = ph_file_make_private(st->path);
    if (err == ELOOP)
        return ph_error_set(&st->err, PHASH_ERR_NOT_REGULAR,
                            "state %s is a symbolic link: refused", st->path);
    if (err == EISDIR || err == ENXIO)
        return ph_error_set(&st->err, PHASH_ERR_NOT_REGULAR, "state %s is not a regular file",
                            st->path);
    if (err)
        return ph_error_set(&st->err, PHASH_ERR_IO, "cannot open the state %s: %s", st->path,
                            strerror(err));
    return PHASH_OK;
}

static phash_status open_db(phash_state *st)
{
    int rc = sqlite3_open_v2(st->path, &st->db,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
                             NULL);
    if (rc != SQLITE_OK)
        return ph_error_set(&st->err, PHASH_ERR_IO, "cannot open the state %s: %s", st->path,
                            st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
    sqlite3_extended_result_codes(st->db, 1);
    return PHASH_OK;
}

/* Keep the damaged or foreign file for inspection as PATH.corrupt (its
 * write-ahead log too) and start afresh. */
static phash_status set_aside(phash_state *st, const char *why)
{
    close_db(st);
    size_t n = strlen(st->path);
    char *aside = ph_malloc(n + 16), *from = ph_malloc(n + 16);
    if (!aside || !from) {
        ph_free(aside);
        ph_free(from);
        return ph_error_set(&st->err, PHASH_ERR_NOMEM, "out of memory");
    }
    snprintf(aside, n + 16, "%s.corrupt", st->path);
    int err = ph_rename_replace(st->path, aside);
    static const char *const sidecars[] = {"-wal", "-shm"};
    for (int i = 0; i < 2; i++) {
        snprintf(from, n + 16, "%s%s", st->path, sidecars[i]);
        snprintf(aside, n + 16, "%s.corrupt%s", st->path, sidecars[i]);
        int e = ph_rename_replace(from, aside);
        if (e && e != ENOENT && !err)
            err = e;
    }
    ph_free(aside);
    ph_free(from);
    if (err)
        return ph_error_set(&st->err, PHASH_ERR_IO, "state %s is %s and cannot be set aside: %s",
                            st->path, why, strerror(err));
    snprintf(st->rebuilt, sizeof st->rebuilt,
             "state %s was %s: kept as %s.corrupt, a new state was started", st->path, why,
             st->path);
    phash_status ps = prepare_file(st);
    return ps != PHASH_OK ? ps : open_db(st);
}

/* Settings for a state that survives kills: WAL (a killed writer loses
 * nothing committed), NORMAL sync (durable at checkpoints; a power loss may
 * lose the last transactions, never consistency), exclusive locking (one
 * process per state; no shared-memory file needed). */
static phash_status configure(phash_state *st)
{
    sqlite3_busy_timeout(st->db, 0);
    if (exec(st, "PRAGMA locking_mode = EXCLUSIVE") || exec(st, "PRAGMA journal_mode = WAL") ||
        exec(st, "PRAGMA synchronous = NORMAL") || exec(st, "PRAGMA temp_store = FILE") ||
        exec(st, "PRAGMA foreign_keys = OFF")) {
        int code = sqlite3_errcode(st->db);
        if (code == SQLITE_BUSY || (code & 0xff) == SQLITE_BUSY)
            return ph_error_set(&st->err, PHASH_ERR_STATE,
                                "state %s is in use by another process", st->path);
        return ph_error_set(&st->err, PHASH_ERR_IO, "state %s: %s", st->path,
                            sqlite3_errmsg(st->db));
    }
    return PHASH_OK;
}

static phash_status prepare_all(phash_state *st)
{
    if (exec(st, "CREATE TEMP TABLE IF NOT EXISTS seen(path BLOB PRIMARY KEY) WITHOUT ROWID")) {
        db_fail(st, "cannot create the scan's table");
        return PHASH_ERR_IO;
    }
    for (int i = 0; i < Q_COUNT; i++)
        if (sqlite3_prepare_v3(st->db, queries[i], -1, SQLITE_PREPARE_PERSISTENT, &st->q[i],
                               NULL) != SQLITE_OK) {
            db_fail(st, "cannot prepare a query");
            return PHASH_ERR_IO;
        }
    return PHASH_OK;
}

/* Take the write lock now, so that a second process is refused at open
 * rather than at its first file. */
static phash_status lock_now(phash_state *st)
{
    if (exec(st, "BEGIN IMMEDIATE") == 0 && exec(st, "COMMIT") == 0)
        return PHASH_OK;
    int code = sqlite3_errcode(st->db) & 0xff;
    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        return ph_error_set(&st->err, PHASH_ERR_STATE, "state %s is in use by another process",
                            st->path);
    db_fail(st, "cannot lock");
    return PHASH_ERR_IO;
}

/* Why SQLite refused the file. */
static const char *describe(phash_state *st, char *why, size_t cap)
{
    int code = sqlite3_errcode(st->db) & 0xff;
    snprintf(why, cap, "%s (%s)",
             code == SQLITE_NOTADB ? "not an SQLite database" : "damaged",
             sqlite3_errmsg(st->db));
    return why;
}

static phash_status open_state(phash_state *st)
{
    phash_status ps = prepare_file(st);
    if (ps == PHASH_OK)
        ps = open_db(st);
    if (ps != PHASH_OK)
        return ps;
    char why[PH_DETAIL_LEN] = "";
    /* A second process: refused before anything is judged or set aside. */
    ps = configure(st);
    if (ps == PHASH_ERR_STATE)
        return ps;
    if (ps == PHASH_OK && (ps = lock_now(st)) == PHASH_ERR_STATE)
        return ps;
    const char *bad = ps != PHASH_OK ? describe(st, why, sizeof why) : verify(st, why, sizeof why);
    if (bad) {
        ps = set_aside(st, bad);
        if (ps == PHASH_OK)
            ps = configure(st);
        if (ps == PHASH_OK)
            ps = lock_now(st);
        if (ps != PHASH_OK)
            return ps;
    }
    if (create_schema(st))
        return PHASH_ERR_IO;
    return prepare_all(st);
}

phash_status phash_state_new(phash_state **out)
{
    if (!out)
        return PHASH_ERR_INVALID_ARG;
    *out = NULL;
    phash_state *st = ph_calloc(1, sizeof *st);
    if (!st || ph_mutex_new(&st->lock)) {
        ph_free(st);
        return PHASH_ERR_NOMEM;
    }
    *out = st;
    return PHASH_OK;
}

phash_status phash_state_open(phash_state *st, const char *path)
{
    if (!st)
        return PHASH_ERR_INVALID_ARG;
    if (st->db)
        return ph_error_set(&st->err, PHASH_ERR_STATE, "a state is already open (%s)", st->path);
    if (!path || !*path)
        return ph_error_set(&st->err, PHASH_ERR_INVALID_ARG, "no state path");
    size_t n = strlen(path) + 1;
    ph_free(st->path);
    if (!(st->path = ph_malloc(n)))
        return ph_error_set(&st->err, PHASH_ERR_NOMEM, "out of memory");
    memcpy(st->path, path, n);
    st->rebuilt[0] = '\0';
    phash_status ps = open_state(st);
    if (ps != PHASH_OK)
        close_db(st);
    return ps;
}

void phash_state_free(phash_state *st)
{
    if (!st)
        return;
    close_db(st);
    if (st->lock)
        ph_mutex_free(st->lock);
    ph_free(st->path);
    ph_free(st);
}

phash_status phash_state_count(phash_state *st, phash_state_count_what what, uint64_t *out)
{
    static const char *const sql[] = {
        "SELECT count(*) FROM files", "SELECT count(*) FROM matches",
        "SELECT count(*) FROM matches WHERE delivered = 0"};
    if (out)
        *out = 0;
    if (!st || !out || (unsigned)what > PHASH_STATE_PENDING_MATCHES)
        return PHASH_ERR_INVALID_ARG;
    ph_mutex_lock(st->lock);
    int64_t v = query_int(st, sql[what]);
    if (v < 0)
        db_fail(st, "cannot count");
    ph_mutex_unlock(st->lock);
    if (v < 0)
        return PHASH_ERR_IO;
    *out = (uint64_t)v;
    return PHASH_OK;
}

/* ---- files ------------------------------------------------------------------- */

static const char *col_text(sqlite3_stmt *q, int i)
{
    const char *t = (const char *)sqlite3_column_text(q, i);
    return t ? t : "";
}

/* Copy the row's outcome (status .. hashes, from column `first`) into f,
 * strings and bytes into mem. */
static int read_outcome(sqlite3_stmt *q, int first, ph_state_file *f, ph_buf *mem)
{
    f->status = sqlite3_column_int(q, first);
    f->format = sqlite3_column_int(q, first + 1);
    f->kind = sqlite3_column_int(q, first + 2);
    f->width = (uint32_t)sqlite3_column_int64(q, first + 3);
    f->height = (uint32_t)sqlite3_column_int64(q, first + 4);
    f->flags = (uint32_t)sqlite3_column_int64(q, first + 5);
    f->channels = (uint32_t)sqlite3_column_int64(q, first + 6);
    f->orientation = sqlite3_column_int(q, first + 7);
    const char *detail = col_text(q, first + 8);
    size_t dlen = strlen(detail) + 1;
    const void *blob = sqlite3_column_blob(q, first + 9);
    size_t blen = (size_t)sqlite3_column_bytes(q, first + 9);
    if (!ph_buf_reserve(mem, dlen + blen + 1))
        return -1;
    char *m = mem->data;
    memcpy(m, detail, dlen);
    if (blen)
        memcpy(m + dlen, blob, blen);
    f->detail = m;
    f->hashes = m + dlen;
    f->hashes_len = blen;
    return 0;
}

int ph_state_lookup(phash_state *st, const char *path, ph_state_file *f, ph_buf *mem)
{
    ph_mutex_lock(st->lock);
    sqlite3_stmt *q = st->q[Q_LOOKUP];
    sqlite3_bind_blob(q, 1, path, (int)strlen(path), SQLITE_STATIC);
    int rc = sqlite3_step(q), hit = 0;
    if (rc == SQLITE_ROW) {
        const void *check = sqlite3_column_blob(q, 5);
        hit = (uint64_t)sqlite3_column_int64(q, 0) == f->dev &&
              (uint64_t)sqlite3_column_int64(q, 1) == f->ino &&
              (uint64_t)sqlite3_column_int64(q, 2) == f->size &&
              sqlite3_column_int64(q, 3) == f->mtime_ns &&
              sqlite3_column_int64(q, 4) == f->ctime_ns &&
              sqlite3_column_bytes(q, 5) == PH_STATE_CHECK_LEN && check &&
              !memcmp(check, f->check, PH_STATE_CHECK_LEN) && !strcmp(col_text(q, 6), f->config);
        if (hit && read_outcome(q, 7, f, mem))
            hit = -1;
    } else if (rc != SQLITE_DONE) {
        hit = db_fail(st, "lookup failed");
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    ph_mutex_unlock(st->lock);
    return hit;
}

static void bind_text(sqlite3_stmt *q, int i, const char *s)
{
    sqlite3_bind_text(q, i, s ? s : "", -1, SQLITE_STATIC);
}

static int step_done(sqlite3_stmt *q)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

static int upsert_file(phash_state *st, const char *path, const ph_state_file *f)
{
    sqlite3_stmt *q = st->q[Q_UPSERT];
    sqlite3_bind_blob(q, 1, path, (int)strlen(path), SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, (int64_t)f->dev);
    sqlite3_bind_int64(q, 3, (int64_t)f->ino);
    sqlite3_bind_int64(q, 4, (int64_t)f->size);
    sqlite3_bind_int64(q, 5, f->mtime_ns);
    sqlite3_bind_int64(q, 6, f->ctime_ns);
    sqlite3_bind_blob(q, 7, f->check, PH_STATE_CHECK_LEN, SQLITE_STATIC);
    bind_text(q, 8, f->config);
    sqlite3_bind_int(q, 9, f->status);
    sqlite3_bind_int(q, 10, f->format);
    sqlite3_bind_int(q, 11, f->kind);
    sqlite3_bind_int64(q, 12, f->width);
    sqlite3_bind_int64(q, 13, f->height);
    sqlite3_bind_int64(q, 14, f->flags);
    sqlite3_bind_int64(q, 15, f->channels);
    sqlite3_bind_int(q, 16, f->orientation);
    bind_text(q, 17, f->detail);
    sqlite3_bind_blob(q, 18, f->hashes_len ? f->hashes : "", (int)f->hashes_len, SQLITE_STATIC);
    sqlite3_bind_int64(q, 19, (int64_t)time(NULL));
    return step_done(q);
}

static int add_match(phash_state *st, const char *path, const phash_scan_match *m,
                     uint64_t size, int64_t mtime_ns)
{
    sqlite3_stmt *q = st->q[Q_MATCH_ADD];
    bind_text(q, 1, m->match_id);
    sqlite3_bind_blob(q, 2, path, (int)strlen(path), SQLITE_STATIC);
    bind_text(q, 3, m->algo);
    sqlite3_bind_int(q, 4, (int)m->sig_algo);
    sqlite3_bind_int(q, 5, (int)m->distance);
    bind_text(q, 6, m->variant);
    bind_text(q, 7, m->hash);
    bind_text(q, 8, m->list);
    bind_text(q, 9, m->id);
    bind_text(q, 10, m->metadata);
    sqlite3_bind_int(q, 11, m->quality);
    bind_text(q, 12, m->category);
    bind_text(q, 13, m->view);
    sqlite3_bind_int64(q, 14, (int64_t)size);
    sqlite3_bind_int64(q, 15, mtime_ns);
    sqlite3_bind_int64(q, 16, (int64_t)time(NULL));
    return step_done(q);
}

/* A transaction of its own unless inside a batch. */
static int tx_begin(phash_state *st)
{
    return st->batch ? 0 : exec(st, "BEGIN IMMEDIATE");
}

static int tx_end(phash_state *st, int ok)
{
    if (st->batch)
        return ok ? 0 : -1;
    if (ok && exec(st, "COMMIT") == 0)
        return 0;
    exec(st, "ROLLBACK");
    return -1;
}

int ph_state_store(phash_state *st, const char *path, const ph_state_file *f,
                   const phash_scan_match *const *recs, size_t n, uint64_t size, int64_t mtime_ns)
{
    ph_mutex_lock(st->lock);
    int ok = tx_begin(st) == 0;
    if (ok && f)
        ok = upsert_file(st, path, f) == 0;
    for (size_t i = 0; ok && i < n; i++)
        ok = add_match(st, path, recs[i], size, mtime_ns) == 0;
    int rc = tx_end(st, ok);
    if (rc)
        db_fail(st, "cannot store a file");
    ph_mutex_unlock(st->lock);
    return rc;
}

int ph_state_match_known(phash_state *st, const char *match_id)
{
    ph_mutex_lock(st->lock);
    sqlite3_stmt *q = st->q[Q_MATCH_KNOWN];
    bind_text(q, 1, match_id);
    int rc = sqlite3_step(q), known = 0;
    if (rc == SQLITE_ROW)
        known = sqlite3_column_int(q, 0) ? 2 : 1;
    else if (rc != SQLITE_DONE)
        known = db_fail(st, "match lookup failed");
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    ph_mutex_unlock(st->lock);
    return known;
}

int ph_state_mark_delivered(phash_state *st, const char *const *ids, size_t n)
{
    if (!n)
        return 0;
    ph_mutex_lock(st->lock);
    int ok = tx_begin(st) == 0;
    for (size_t i = 0; ok && i < n; i++) {
        bind_text(st->q[Q_MATCH_DELIVERED], 1, ids[i]);
        ok = step_done(st->q[Q_MATCH_DELIVERED]) == 0;
    }
    int rc = tx_end(st, ok);
    if (rc)
        db_fail(st, "cannot mark matches delivered");
    ph_mutex_unlock(st->lock);
    return rc;
}

int ph_state_batch_begin(phash_state *st)
{
    ph_mutex_lock(st->lock);
    int rc = exec(st, "BEGIN IMMEDIATE") ? db_fail(st, "cannot begin") : 0;
    st->batch = rc == 0;
    ph_mutex_unlock(st->lock);
    return rc;
}

int ph_state_batch_end(phash_state *st)
{
    ph_mutex_lock(st->lock);
    st->batch = 0;
    int rc = exec(st, "COMMIT") ? db_fail(st, "cannot commit") : 0;
    if (rc)
        exec(st, "ROLLBACK");
    ph_mutex_unlock(st->lock);
    return rc;
}

/* ---- pruning ------------------------------------------------------------------ */

int ph_state_seen_reset(phash_state *st)
{
    ph_mutex_lock(st->lock);
    int rc = exec(st, "DELETE FROM temp.seen") ? db_fail(st, "cannot reset") : 0;
    ph_mutex_unlock(st->lock);
    return rc;
}

int ph_state_seen_add(phash_state *st, const char *path)
{
    ph_mutex_lock(st->lock);
    sqlite3_stmt *q = st->q[Q_SEEN_ADD];
    sqlite3_bind_blob(q, 1, path, (int)strlen(path), SQLITE_STATIC);
    int rc = step_done(q) ? db_fail(st, "cannot note a file") : 0;
    ph_mutex_unlock(st->lock);
    return rc;
}

int64_t ph_state_prune(phash_state *st, const char *root)
{
    size_t n = strlen(root);
    while (n > 1 && root[n - 1] == '/')
        n--; /* "dir/" walks as "dir/name" too */
    char *lo = ph_malloc(n + 2), *hi = ph_malloc(n + 2);
    if (!lo || !hi) {
        ph_free(lo);
        ph_free(hi);
        return -1;
    }
    memcpy(lo, root, n);
    memcpy(hi, root, n);
    int slash = !(n == 1 && root[0] == '/');
    lo[n] = '/';
    hi[n] = '0'; /* '/' + 1 */
    size_t blen = n + (size_t)slash;
    if (!slash) {
        lo[0] = '/';
        hi[0] = '0';
    }
    ph_mutex_lock(st->lock);
    int64_t deleted = 0;
    sqlite3_stmt *one = st->q[Q_PRUNE_ONE], *tree = st->q[Q_PRUNE_TREE];
    sqlite3_bind_blob(one, 1, root, (int)strlen(root), SQLITE_STATIC);
    int ok = tx_begin(st) == 0 && step_done(one) == 0;
    deleted += sqlite3_changes(st->db);
    sqlite3_bind_blob(tree, 1, lo, (int)blen, SQLITE_STATIC);
    sqlite3_bind_blob(tree, 2, hi, (int)blen, SQLITE_STATIC);
    ok = ok && step_done(tree) == 0;
    deleted = ok ? deleted + sqlite3_changes(st->db) : -1;
    if (tx_end(st, ok))
        deleted = db_fail(st, "cannot prune");
    ph_mutex_unlock(st->lock);
    ph_free(lo);
    ph_free(hi);
    return deleted;
}

/* ---- iterating ------------------------------------------------------------------ */

/* One page of pending matches, copied out (the callback runs unlocked). */
typedef struct pending_page {
    phash_scan_match recs[256];
    char *paths[256];
    uint64_t size[256];
    int64_t mtime[256];
    size_t n;
    ph_buf text;
    size_t used;
} pending_page;

static const char *keep(pending_page *p, const char *s)
{
    size_t n = strlen(s) + 1;
    if (p->used + n > p->text.cap)
        return NULL;
    char *d = (char *)p->text.data + p->used;
    memcpy(d, s, n);
    p->used += n;
    return d;
}

/* Fill the page from rows after *last; -1 on error. */
static int pending_fill(phash_state *st, pending_page *p, int64_t *last)
{
    sqlite3_stmt *q = st->q[Q_PENDING];
    sqlite3_bind_int64(q, 1, *last);
    p->n = p->used = 0;
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        size_t room = 0;
        for (int c = 1; c < 16; c++)
            room += (size_t)sqlite3_column_bytes(q, c) + 1;
        if (p->used + room > p->text.cap && p->n)
            break; /* the rest on the next page */
        if (p->used + room > p->text.cap) {
            if (!ph_buf_reserve(&p->text, room + 4096)) {
                rc = SQLITE_NOMEM;
                break;
            }
        }
        *last = sqlite3_column_int64(q, 0);
        phash_scan_match *m = &p->recs[p->n];
        memset(m, 0, sizeof *m);
        m->level = PHASH_ALERT_MATCH; /* only alerts are kept pending */
        m->match_id = keep(p, col_text(q, 1));
        char path[1] = "";
        const char *pb = sqlite3_column_blob(q, 2);
        int plen = sqlite3_column_bytes(q, 2);
        char *pp = (char *)p->text.data + p->used;
        memcpy(pp, pb ? pb : path, (size_t)plen);
        pp[plen] = '\0';
        p->used += (size_t)plen + 1;
        p->paths[p->n] = pp;
        m->algo = keep(p, col_text(q, 3));
        m->sig_algo = (phash_sig_algo)sqlite3_column_int(q, 4);
        m->distance = (unsigned)sqlite3_column_int(q, 5);
        m->variant = keep(p, col_text(q, 6));
        m->hash = keep(p, col_text(q, 7));
        m->list = keep(p, col_text(q, 8));
        m->id = keep(p, col_text(q, 9));
        m->metadata = keep(p, col_text(q, 10));
        m->quality = sqlite3_column_int(q, 11);
        m->category = keep(p, col_text(q, 12));
        m->view = keep(p, col_text(q, 13));
        p->size[p->n] = (uint64_t)sqlite3_column_int64(q, 14);
        p->mtime[p->n] = sqlite3_column_int64(q, 15);
        p->n++;
    }
    sqlite3_reset(q);
    sqlite3_clear_bindings(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int ph_state_pending_each(phash_state *st, ph_state_pending_fn fn, void *ctx)
{
    pending_page *p = ph_calloc(1, sizeof *p);
    if (!p || !ph_buf_reserve(&p->text, 64 << 10)) {
        ph_free(p);
        return -1;
    }
    int64_t last = 0;
    int rc = 0;
    for (;;) {
        ph_mutex_lock(st->lock);
        int fill = pending_fill(st, p, &last);
        if (fill)
            db_fail(st, "cannot read the pending matches");
        ph_mutex_unlock(st->lock);
        if (fill) {
            rc = -1;
            break;
        }
        if (!p->n)
            break;
        /* One call per run of records of the same file. */
        for (size_t i = 0; i < p->n && !rc;) {
            size_t j = i + 1;
            while (j < p->n && !strcmp(p->paths[j], p->paths[i]))
                j++;
            if (fn(ctx, p->paths[i], p->size[i], p->mtime[i], &p->recs[i], j - i))
                rc = 1;
            i = j;
        }
        if (rc)
            break;
    }
    ph_buf_release(&p->text);
    ph_free(p);
    return rc;
}

int ph_state_files_each(phash_state *st, const char *config, ph_state_file_fn fn, void *ctx)
{
    enum { PAGE = 512 };
    ph_buf mem[PAGE] = {{0}};
    ph_state_file *f = ph_calloc(PAGE, sizeof *f);
    char **paths = ph_calloc(PAGE, sizeof *paths);
    int64_t last = 0;
    int rc = f && paths ? 0 : -1;
    while (!rc) {
        size_t n = 0;
        ph_mutex_lock(st->lock);
        sqlite3_stmt *q = st->q[Q_FILES];
        sqlite3_bind_int64(q, 1, last);
        bind_text(q, 2, config);
        int step;
        while (n < PAGE && (step = sqlite3_step(q)) == SQLITE_ROW) {
            last = sqlite3_column_int64(q, 0);
            int plen = sqlite3_column_bytes(q, 1);
            const void *pb = sqlite3_column_blob(q, 1);
            ph_free(paths[n]);
            if (!(paths[n] = ph_malloc((size_t)plen + 1)) || read_outcome(q, 7, &f[n], &mem[n])) {
                step = SQLITE_NOMEM;
                break;
            }
            if (plen)
                memcpy(paths[n], pb, (size_t)plen);
            paths[n][plen] = '\0';
            f[n].dev = (uint64_t)sqlite3_column_int64(q, 2);
            f[n].ino = (uint64_t)sqlite3_column_int64(q, 3);
            f[n].size = (uint64_t)sqlite3_column_int64(q, 4);
            f[n].mtime_ns = sqlite3_column_int64(q, 5);
            f[n].ctime_ns = sqlite3_column_int64(q, 6);
            f[n].config = config;
            n++;
        }
        if (step != SQLITE_ROW && step != SQLITE_DONE)
            rc = db_fail(st, "cannot read the stored files");
        sqlite3_reset(q);
        sqlite3_clear_bindings(q);
        ph_mutex_unlock(st->lock);
        if (rc || n == 0)
            break;
        for (size_t i = 0; i < n && !rc; i++)
            rc = fn(ctx, paths[i], &f[i]) ? 1 : 0;
    }
    for (size_t i = 0; i < PAGE; i++) {
        ph_buf_release(&mem[i]);
        if (paths)
            ph_free(paths[i]);
    }
    ph_free(paths);
    ph_free(f);
    return rc;
}
