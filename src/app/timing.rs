//! Where one request's time went, phase by phase (authentication, the
//! caller's scope, the index, the database, the access log), for the
//! `Server-Timing` response header that `server_timing` turns on. A
//! benchmark reads it to say which part of a slow request was slow,
//! without a profiler and at the data size where it is slow.
//!
//! Phases are kept only while a request runs inside [`collect`]; anywhere
//! else a phase costs two clock reads and is dropped.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// One timed part of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Phase {
    pub name: &'static str,
    pub elapsed: Duration,
}

type Phases = Arc<Mutex<Vec<Phase>>>;

tokio::task_local! {
    static PHASES: Phases;
}

/// Runs `work`, returning its output and the phases timed inside it.
pub async fn collect<F: Future>(work: F) -> (F::Output, Vec<Phase>) {
    let phases = Phases::default();
    let output = PHASES.scope(Arc::clone(&phases), work).await;
    let timed = std::mem::take(&mut *phases.lock().unwrap_or_else(PoisonError::into_inner));
    (output, timed)
}

/// `work` as a future that times its phases into the current request's,
/// for work the request hands to another task.
pub fn same_request<F: Future>(work: F) -> impl Future<Output = F::Output> {
    let phases = PHASES.try_with(Arc::clone).ok();
    async move {
        match phases {
            Some(phases) => PHASES.scope(phases, work).await,
            None => work.await,
        }
    }
}

/// Times the phase `name` from now until the returned guard is dropped.
pub fn phase(name: &'static str) -> PhaseTimer {
    PhaseTimer {
        name,
        started: Instant::now(),
    }
}

/// Records its phase when dropped.
pub struct PhaseTimer {
    name: &'static str,
    started: Instant,
}

impl Drop for PhaseTimer {
    fn drop(&mut self) {
        let phase = Phase {
            name: self.name,
            elapsed: self.started.elapsed(),
        };
        let _outside_a_request = PHASES.try_with(|phases| {
            phases
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(phase);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn phases_inside_a_request_are_collected_in_order() {
        let ((), phases) = collect(async {
            let _outer = phase("outer");
            {
                let _first = phase("first");
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            drop(phase("second"));
        })
        .await;
        let names: Vec<_> = phases.iter().map(|p| p.name).collect();
        assert_eq!(names, ["first", "second", "outer"]);
        assert!(phases[0].elapsed >= Duration::from_millis(5));
        assert!(phases[2].elapsed >= phases[0].elapsed);
    }

    #[tokio::test]
    async fn work_handed_to_another_task_times_into_the_same_request() {
        let ((), phases) = collect(async {
            tokio::spawn(same_request(async {
                drop(phase("spawned"));
            }))
            .await
            .unwrap();
            tokio::spawn(async { drop(phase("not carried")) })
                .await
                .unwrap();
        })
        .await;
        let names: Vec<_> = phases.iter().map(|p| p.name).collect();
        assert_eq!(names, ["spawned"]);
    }

    #[tokio::test]
    async fn a_phase_outside_a_request_is_dropped() {
        drop(phase("alone"));
        let ((), phases) = collect(async {}).await;
        assert!(phases.is_empty());
    }
}
