//! CSV downloads streamed page by page: one page of rows in memory at a time, however many
//! there are. An export writes its rows into a [`PageBuffer`] and hands each page to a
//! [`PageSink`]; [`csv_download`] streams what it is handed as the response body.

use std::future::Future;
use std::sync::Arc;

use axum::body::Body;
use axum::http::header;
use axum::response::IntoResponse;

/// Where an export's CSV writer puts a page of rows, taken out to be sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct PageBuffer(Arc<std::sync::Mutex<Vec<u8>>>);

impl PageBuffer {
    /// What was written since the last take.
    pub(crate) fn take(&self) -> Vec<u8> {
        std::mem::take(
            &mut *self
                .0
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner()),
        )
    }
}

impl std::io::Write for PageBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Takes an export's pages to the response, two at most waiting.
pub(crate) struct PageSink(tokio::sync::mpsc::Sender<std::io::Result<Vec<u8>>>);

impl PageSink {
    /// Sends a page (or the failure that ends the download); `false` once the client left,
    /// when the export should stop.
    pub(crate) async fn send(&self, page: std::io::Result<Vec<u8>>) -> bool {
        let failed = page.is_err();
        self.0.send(page).await.is_ok() && !failed
    }
}

/// A CSV attachment named after `name` (letters and digits kept), whose body is what `export`
/// sends to its sink, run as a task of its own.
pub(crate) fn csv_download<Export, Done>(
    name: &str,
    export: Export,
) -> impl IntoResponse + use<Export, Done>
where
    Export: FnOnce(PageSink) -> Done,
    Done: Future<Output = ()> + Send + 'static,
{
    let (pages, sent) = tokio::sync::mpsc::channel(2);
    tokio::spawn(export(PageSink(pages)));
    let body = futures_util::stream::unfold(sent, |mut sent| async move {
        sent.recv().await.map(|page| (page, sent))
    });
    let file_name: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}.csv\""),
            ),
        ],
        Body::from_stream(body),
    )
}
