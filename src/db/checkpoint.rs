//! SQLite's WAL checkpoints, off the writer's path.
//!
//! By default the connection whose commit takes the WAL past 1,000 pages copies the WAL
//! back into the database file before that commit returns: a write request, or an
//! import, waited for it (about 0.2 s of a 100,000-row import). The pools' connections
//! have automatic checkpoints off, and a thread of [`Checkpointer`] runs a passive
//! checkpoint every [`PERIOD`] instead; a passive checkpoint waits for neither readers
//! nor the writer, as the automatic ones did not. What a checkpoint has not yet copied is
//! safe in the WAL all the same: a commit is durable once it is in the WAL.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

/// How often the WAL is checkpointed; an idle one costs a read of its header.
pub const PERIOD: Duration = Duration::from_millis(500);

/// Runs the checkpoints while it lives; dropping it (with the last clone of the
/// database handle) stops them and closes its connection before returning, so that the
/// database file is left to whoever opens it next.
pub struct Checkpointer {
    running: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.running.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Checkpointer {
    /// Starts checkpointing the SQLite database at `path` on a connection of its own.
    pub fn start(path: &str) -> Result<Checkpointer, String> {
        let mut conn = SqliteConnection::establish(path)
            .map_err(|e| format!("cannot open SQLite database {path} for checkpoints: {e}"))?;
        conn.batch_execute("PRAGMA cache_size = -256;").map_err(|e| e.to_string())?;
        let (running, stopped) = mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("wal-checkpoint".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(PERIOD) {
                    if let Err(e) = conn.batch_execute("PRAGMA wal_checkpoint(PASSIVE);") {
                        tracing::warn!(error = %e, "WAL checkpoint failed");
                    }
                }
            })
            .map_err(|e| format!("cannot start the checkpoint thread: {e}"))?;
        Ok(Checkpointer { running: Some(running), thread: Some(thread) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_thread_copies_committed_pages_into_the_database_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wal.db").to_string_lossy().into_owned();
        let mut writer = SqliteConnection::establish(&path).unwrap();
        writer.batch_execute("PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0;").unwrap();
        writer
            .batch_execute(
                "CREATE TABLE t (v TEXT); BEGIN; \
                 WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) \
                 INSERT INTO t SELECT printf('%050d', i) FROM n; COMMIT;",
            )
            .unwrap();
        let file_len = || std::fs::metadata(&path).unwrap().len();
        let wal_len = std::fs::metadata(format!("{path}-wal")).unwrap().len();
        assert!(wal_len > 1_000_000, "the commit is in the WAL ({wal_len} bytes)");
        let before = file_len();
        std::thread::sleep(PERIOD * 2);
        assert_eq!(file_len(), before, "no checkpoint without the thread");

        let checkpointer = Checkpointer::start(&path).unwrap();
        let deadline = std::time::Instant::now() + PERIOD * 20;
        while file_len() < 1_000_000 && std::time::Instant::now() < deadline {
            std::thread::sleep(PERIOD / 5);
        }
        assert!(file_len() >= 1_000_000, "checkpointed: {} bytes, {before} before", file_len());
        drop(checkpointer);
    }
}
