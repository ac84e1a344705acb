//! Creates that arrive together share a transaction (group commit). A
//! transaction's fixed costs — compiling the field definitions of every
//! table it touches, the commit itself — were a fifth of a create's time;
//! under load, a handful of creates now pay them once.
//!
//! Each create waits in a queue; one worker a core takes its share of
//! what has queued (up to [`MOST_TOGETHER`]) and creates it in one
//! transaction. Sharing the queue out keeps every core creating: one
//! worker taking everything would leave the others idle when creates are
//! all there is to do (an import, the benchmark's seeding). An idle server
//! creates a record at once, alone. When a shared transaction
//! fails (one record over its owner's limit), each of its records is
//! created alone, so every caller gets the answer its own create would
//! have had. Two creates by one person never share a transaction: the
//! caller holds that person's turn (`App::owner_turn`) while it waits.

use std::sync::Arc;

use anyhow::anyhow;
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::storage::Store;
use crate::storage::error::{StorageError, StorageResult};
use crate::storage::evidence::{NewEvidence, StoredEvidence};

/// The most creates one transaction takes.
const MOST_TOGETHER: usize = 16;

/// Creates that may wait before a caller waits to join the queue.
const QUEUE_LENGTH: usize = 1024;

type Answer = oneshot::Sender<StorageResult<StoredEvidence>>;

/// The queue of creates and the workers that empty it; they stop when the
/// queue is dropped.
pub(super) struct CreateQueue {
    sender: mpsc::Sender<(NewEvidence, Answer)>,
}

impl CreateQueue {
    /// Starts the workers on the current runtime.
    pub(super) fn start(store: &Store) -> Self {
        let (sender, receiver) = mpsc::channel(QUEUE_LENGTH);
        let receiver = Arc::new(Mutex::new(receiver));
        let workers = std::thread::available_parallelism().map_or(2, |n| n.get().max(2));
        for _ in 0..workers {
            tokio::spawn(work(store.clone(), Arc::clone(&receiver), workers));
        }
        Self { sender }
    }

    /// Creates the record, in a transaction it may share.
    pub(super) async fn create(&self, new: NewEvidence) -> StorageResult<StoredEvidence> {
        let (answer, answered) = oneshot::channel();
        self.sender
            .send((new, answer))
            .await
            .map_err(|_| stopped())?;
        answered.await.map_err(|_| stopped())?
    }
}

fn stopped() -> StorageError {
    StorageError::Other(anyhow!("the create queue has stopped"))
}

/// Takes what has queued, creates it together, answers each caller.
async fn work(
    store: Store,
    receiver: Arc<Mutex<mpsc::Receiver<(NewEvidence, Answer)>>>,
    workers: usize,
) {
    while let Some(batch) = next_batch(&receiver, workers).await {
        let (records, answers): (Vec<NewEvidence>, Vec<Answer>) = batch.into_iter().unzip();
        let created = store.create_evidence_batch(records).await;
        for (answer, result) in answers.into_iter().zip(created) {
            // A caller that went away no longer needs its answer.
            let _ = answer.send(result);
        }
    }
}

/// The next create to arrive and a share of what queued behind it (one
/// of `workers` equal shares); `None` once the queue is dropped.
async fn next_batch(
    receiver: &Mutex<mpsc::Receiver<(NewEvidence, Answer)>>,
    workers: usize,
) -> Option<Vec<(NewEvidence, Answer)>> {
    let mut receiver = receiver.lock().await;
    let first = receiver.recv().await?;
    let share = batch_share(1 + receiver.len(), workers);
    let mut batch = vec![first];
    while batch.len() < share {
        match receiver.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    Some(batch)
}

/// How many of `queued` creates one of `workers` takes.
fn batch_share(queued: usize, workers: usize) -> usize {
    queued.div_ceil(workers.max(1)).clamp(1, MOST_TOGETHER)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_takes_its_share_of_the_queue() {
        assert_eq!(batch_share(1, 2), 1);
        assert_eq!(batch_share(2, 2), 1);
        assert_eq!(batch_share(3, 2), 2);
        assert_eq!(batch_share(4, 2), 2);
        assert_eq!(batch_share(16, 2), 8);
        assert_eq!(batch_share(40, 2), MOST_TOGETHER);
        assert_eq!(batch_share(5, 0), 5);
    }
}
