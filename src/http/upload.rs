//! The API's upload form holds one part, `file`, and its schema says so.
//! The file is streamed straight to disk, so a part sent after it can only
//! be seen once the file has been read: [`SoleFile`] reads the file and
//! then the rest of the form, and fails the read (and so the upload, before
//! anything is stored) when another part follows. A part before the file
//! is refused by [`sole_file`] before a byte of the file is read.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use poem::error::ParseMultipartError;
use poem::web::Multipart;
use tokio::io::{AsyncRead, ReadBuf};

use crate::app::{AppError, AppResult};

/// The longest part name quoted back in an error.
const NAME_SHOWN: usize = 64;

type NextPart = Pin<Box<dyn Future<Output = Result<Option<String>, ParseMultipartError>> + Send>>;

/// The `file` part as a stream, and its file name as sent.
pub struct SoleFile {
    pub file_name: Option<String>,
    file: Option<Pin<Box<dyn AsyncRead + Send>>>,
    form: Option<Multipart>,
    next_part: Option<NextPart>,
}

/// The form's `file` part, refusing any part before it (400) and a form
/// without one (422).
pub async fn sole_file(mut form: Multipart) -> AppResult<SoleFile> {
    match form.next_field().await {
        Ok(Some(field)) if field.name() == Some("file") => Ok(SoleFile {
            file_name: field.file_name().map(str::to_owned),
            file: Some(Box::pin(field.into_async_read())),
            form: Some(form),
            next_part: None,
        }),
        Ok(Some(field)) => Err(AppError::BadRequest(unexpected_part(field.name()))),
        Ok(None) => Err(AppError::invalid("file", "the form has no file field")),
        Err(e) => Err(AppError::BadRequest(format!(
            "the form cannot be read: {e}"
        ))),
    }
}

fn unexpected_part(name: Option<&str>) -> String {
    let name: String = name.unwrap_or_default().chars().take(NAME_SHOWN).collect();
    format!("the form has a part named {name:?}; the only part accepted is `file`")
}

impl AsyncRead for SoleFile {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(file) = this.file.as_mut() {
            let before = buf.filled().len();
            ready!(file.as_mut().poll_read(cx, buf))?;
            if buf.filled().len() > before || buf.remaining() == 0 {
                return Poll::Ready(Ok(()));
            }
            this.file = None;
            if let Some(mut form) = this.form.take() {
                this.next_part = Some(Box::pin(async move {
                    let next = form.next_field().await?;
                    Ok(next.map(|part| part.name().unwrap_or_default().to_owned()))
                }));
            }
        }
        let Some(next_part) = this.next_part.as_mut() else {
            return Poll::Ready(Ok(()));
        };
        let next = ready!(next_part.as_mut().poll(cx));
        this.next_part = None;
        Poll::Ready(match next {
            Ok(None) => Ok(()),
            Ok(Some(name)) => Err(io::Error::new(
                io::ErrorKind::InvalidData,
                unexpected_part(Some(&name)),
            )),
            Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e.to_string())),
        })
    }
}
