//! Imports in progress, by list: what each has read and written so far, for the admin watching
//! a large file go in. One import per list at a time, so two files never interleave their rows.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use herald_api::ImportProgress;

/// The running imports.
#[derive(Debug, Default)]
pub struct ImportBoard {
    running: Mutex<HashMap<i64, ImportProgress>>,
}

/// A running import's place on the board; it leaves the board when dropped, however the import
/// ends.
pub(crate) struct ImportTicket {
    board: Arc<ImportBoard>,
    list_id: i64,
}

impl ImportBoard {
    /// Puts an import into `list_id` on the board; `None` while another one runs there.
    pub(crate) fn begin(board: &Arc<Self>, list_id: i64) -> Option<ImportTicket> {
        let mut running = board
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if running.contains_key(&list_id) {
            return None;
        }
        running.insert(list_id, ImportProgress::default());
        Some(ImportTicket {
            board: Arc::clone(board),
            list_id,
        })
    }

    /// How far the import into `list_id` got; `running: false` and zeros when none runs.
    pub(crate) fn progress(&self, list_id: i64) -> ImportProgress {
        self.running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(&list_id)
            .map(|progress| ImportProgress {
                running: true,
                ..progress.clone()
            })
            .unwrap_or_default()
    }
}

impl ImportTicket {
    /// Records how far the import got.
    pub(crate) fn report(&self, progress: ImportProgress) {
        self.board
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .insert(self.list_id, progress);
    }
}

impl Drop for ImportTicket {
    fn drop(&mut self) {
        self.board
            .running
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .remove(&self.list_id);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_import_per_list_and_the_board_forgets_it_when_it_ends() {
        let board = Arc::new(ImportBoard::default());
        let ticket = ImportBoard::begin(&board, 7).expect("a free list");
        assert!(ImportBoard::begin(&board, 7).is_none(), "list 7 is busy");
        assert!(
            ImportBoard::begin(&board, 8).is_some(),
            "another list is not"
        );
        ticket.report(ImportProgress {
            rows: 1_000,
            ..ImportProgress::default()
        });
        assert_eq!(
            (board.progress(7).running, board.progress(7).rows),
            (true, 1_000)
        );
        drop(ticket);
        assert_eq!(board.progress(7), ImportProgress::default());
        assert!(ImportBoard::begin(&board, 7).is_some());
    }
}
