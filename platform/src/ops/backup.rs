//! `fieldcheck-platform backup --out FILE`: a consistent copy of the SQLite database taken with
//! SQLite's online backup API while the platform keeps serving (WAL: readers never block writers, and
//! the copy is one read snapshot). PostgreSQL is backed up with `pg_dump` (printed, not run).

use std::path::Path;

/// Copies the SQLite database of `data` to `out` (which must not exist); returns the pages copied.
pub fn sqlite(data: &Path, out: &Path) -> Result<i32, String> {
    let source = data.join("platform.sqlite3");
    if !source.is_file() {
        return Err(format!("no database at {}", source.display()));
    }
    if out.exists() {
        return Err(format!("{} exists; back up to a new file", out.display()));
    }
    let from = rusqlite::Connection::open_with_flags(&source, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| format!("{}: {e}", source.display()))?;
    from.busy_timeout(std::time::Duration::from_secs(10)).map_err(|e| e.to_string())?;
    let mut to = rusqlite::Connection::open(out).map_err(|e| format!("{}: {e}", out.display()))?;
    let backup = rusqlite::backup::Backup::new(&from, &mut to).map_err(|e| e.to_string())?;
    // All pages in one step (-1): one read snapshot, so concurrent writes never restart the copy.
    use rusqlite::backup::StepResult;
    let mut tries = 0;
    loop {
        match backup.step(-1).map_err(|e| format!("backup: {e}"))? {
            StepResult::Done => break,
            StepResult::More => {}
            StepResult::Busy | StepResult::Locked if tries < 100 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            other => return Err(format!("backup: the database stayed busy ({other:?})")),
        }
    }
    let pages = backup.progress().pagecount;
    drop(backup);
    let check: String =
        to.query_row("PRAGMA quick_check", [], |r| r.get(0)).map_err(|e| format!("checking the copy: {e}"))?;
    if check != "ok" {
        return Err(format!("the copy does not check: {check}"));
    }
    Ok(pages)
}

/// What to run for a PostgreSQL database (the URL is not repeated: it may carry a password).
pub const POSTGRES_ADVICE: &str = "PostgreSQL is backed up with its own tools, while the platform serves:
  pg_dump --format=custom --file=fieldcheck.dump \"$FIELDCHECK_DATABASE\"
and restored into an empty database with:
  pg_restore --no-owner --dbname=\"$NEW_DATABASE_URL\" fieldcheck.dump
(see docs/operations.md)";
