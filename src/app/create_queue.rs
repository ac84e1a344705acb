//! Creates that arrive together share a transaction (group commit). A
//! transaction's fixed costs — compiling the field definitions of every
//! table it touches, the commit itself — were a fifth of a create's time;
//! under load, a handful of creates now pay them once.
//!
//! Each create waits in a queue; one worker a core takes whatever has
//! queued (up to [`MOST_TOGETHER`]) and creates it in one transaction. An
//! idle server creates a record at once, alone. When a shared transaction
//! fails (one record over its owner's limit), each of its records is
//! created alone, so every caller gets the answer its own create would
//! have had. A person's creates take turns (`App::owner_turn`), so a
//! shared transaction holds one create a person unless a caller went away
//! while its create waited; two would still be right, the second reading
//! the tally the first wrote.

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
            tokio::spawn(work(store.clone(), Arc::clone(&receiver)));
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
async fn work(store: Store, receiver: Arc<Mutex<mpsc::Receiver<(NewEvidence, Answer)>>>) {
    while let Some(batch) = next_batch(&receiver).await {
        let (records, answers): (Vec<NewEvidence>, Vec<Answer>) = batch.into_iter().unzip();
        let created = store.create_evidence_batch(records).await;
        for (answer, result) in answers.into_iter().zip(created) {
            // A caller that went away no longer needs its answer.
            let _ = answer.send(result);
        }
    }
}

/// The next create to arrive and whatever queued behind it; `None` once
/// the queue is dropped.
async fn next_batch(
    receiver: &Mutex<mpsc::Receiver<(NewEvidence, Answer)>>,
) -> Option<Vec<(NewEvidence, Answer)>> {
    let mut receiver = receiver.lock().await;
    let first = receiver.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MOST_TOGETHER {
        match receiver.try_recv() {
            Ok(next) => batch.push(next),
            Err(_) => break,
        }
    }
    Some(batch)
}
