//! Admission of database work to the blocking thread pool. Every read or write runs on
//! a thread of its own while it holds a connection; without a bound, a burst of
//! requests starts a thread for each, and dozens of threads then queue on a handful of
//! connections (each hand-off a context switch, each thread's allocations spread over
//! more malloc arenas). Here a request first waits, without a thread, for one of as
//! many places as there are connections for its kind of work.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::ApiError;

/// Places for reads and for writes; clones share them.
#[derive(Clone)]
pub(super) struct Lanes {
    read: Arc<Semaphore>,
    write: Arc<Semaphore>,
    /// How long a request may wait for a place before it answers 503.
    wait: Duration,
}

#[derive(Debug, Clone, Copy)]
pub(super) enum Lane {
    Read,
    Write,
}

impl Lanes {
    pub(super) fn new(readers: u32, writers: u32, wait: Duration) -> Lanes {
        let places = |n: u32| Arc::new(Semaphore::new(n.max(1) as usize));
        Lanes { read: places(readers), write: places(writers), wait }
    }

    /// Waits (at most the acquire timeout) for a place in `lane`; the place is free
    /// again when the permit drops, that is when the work holding it has finished.
    pub(super) async fn enter(&self, lane: Lane) -> Result<OwnedSemaphorePermit, ApiError> {
        let places = match lane {
            Lane::Read => &self.read,
            Lane::Write => &self.write,
        };
        match actix_web::rt::time::timeout(self.wait, places.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_closed)) => Err(ApiError::Internal("database lanes closed".into())),
            Err(_) => Err(ApiError::Unavailable("no database connection available in time".into())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_rt::test]
    async fn a_full_lane_answers_unavailable_and_frees_its_place_with_the_permit() {
        let lanes = Lanes::new(1, 1, Duration::from_millis(20));
        let held = lanes.enter(Lane::Read).await.unwrap();
        assert!(matches!(lanes.enter(Lane::Read).await, Err(ApiError::Unavailable(_))));
        // The other lane is independent.
        let write = lanes.enter(Lane::Write).await.unwrap();
        drop(held);
        assert!(lanes.enter(Lane::Read).await.is_ok());
        drop(write);
    }
}
