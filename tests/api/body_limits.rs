//! Request bodies: nothing is read before authentication, a body without
//! `Content-Length` is refused as soon as it passes the limit, only the
//! real upload route has the upload limit, uploads take turns, and one
//! person's files stop at their allowance.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::*;

/// Sends a chunked request (no `Content-Length`) whose body is `body` in
/// 1,000-byte chunks, finished or left open, and returns the status line
/// the server answers with within two seconds (or "no answer").
async fn chunked(
    t: &TestApp,
    path: &str,
    auth: Option<&str>,
    content_type: &str,
    body: &[u8],
    finish: bool,
) -> String {
    let mut tcp = TcpStream::connect(t.addr).await.unwrap();
    let auth = auth
        .map(|token| format!("Authorization: Bearer {token}\r\n"))
        .unwrap_or_default();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\n{auth}Content-Type: {content_type}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(1000) {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if tcp.write_all(&framed).await.is_err() {
            break;
        }
    }
    if finish {
        let _ = tcp.write_all(b"0\r\n\r\n").await;
    }
    let mut answer = vec![0u8; 64];
    match tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut answer)).await {
        Ok(Ok(n)) if n > 0 => String::from_utf8_lossy(&answer[..n])
            .lines()
            .next()
            .unwrap_or_default()
            .to_owned(),
        _ => "no answer".to_owned(),
    }
}

async fn status_of_unfinished_upload(t: &TestApp, path: &str, auth: Option<&str>) -> String {
    let multipart = "multipart/form-data; boundary=b";
    chunked(t, path, auth, multipart, &[b'a'; 1000], false).await
}

#[tokio::test]
async fn an_upload_without_a_token_is_refused_before_its_body_is_read() {
    let t = TestApp::spawn().await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let id = t
        .create_entry(&token, &entry("Falls", "2026-01-05", "work_based_learning"))
        .await;
    let path = format!("/api/v1/reflections/{id}/attachments");
    assert_eq!(
        status_of_unfinished_upload(&t, &path, None).await,
        "HTTP/1.1 401 Unauthorized"
    );
    assert_eq!(
        status_of_unfinished_upload(&t, &path, Some("not-a-token")).await,
        "HTTP/1.1 401 Unauthorized"
    );
}

#[tokio::test]
async fn a_chunked_body_past_the_limit_is_413() {
    let t = TestApp::spawn_with(|c| c.max_body_bytes = 4096).await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let big = format!("{{\"title\": \"{}\"}}", "x".repeat(10_000));
    let json = "application/json";
    assert_eq!(
        chunked(
            &t,
            "/api/v1/reflections",
            Some(&token),
            json,
            big.as_bytes(),
            true
        )
        .await,
        "HTTP/1.1 413 Payload Too Large"
    );
}

#[tokio::test]
async fn paths_that_merely_end_in_attachments_get_the_json_limit() {
    let t = TestApp::spawn_with(|c| c.max_body_bytes = 4096).await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let req = t
        .http
        .post(t.url("/api/v1/me/attachments"))
        .body(vec![b'a'; 10_000]);
    let (status, body, _) = t.send(req, Some(&token)).await;
    assert_problem(status, &body, 413);
}

#[tokio::test]
async fn uploads_beyond_the_concurrent_limit_wait_then_get_503() {
    let t = TestApp::spawn_with(|c| c.max_concurrent_uploads = 1).await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let id = t
        .create_entry(&token, &entry("Falls", "2026-01-05", "work_based_learning"))
        .await;
    let path = format!("/api/v1/reflections/{id}/attachments");
    // The first upload sends its form's head and part of the file, then
    // stalls, holding the only turn.
    let mut slow = TcpStream::connect(t.addr).await.unwrap();
    let part =
        "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7 ";
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary=b\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{part}\r\n",
        part.len()
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let started = std::time::Instant::now();
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(png_bytes()).file_name("b.png"),
    );
    let req = t.http.post(t.url(&path)).multipart(form);
    let (status, body, headers) = t.send(req, Some(&token)).await;
    assert_problem(status, &body, 503);
    assert_eq!(headers["retry-after"], "5");
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "it waited for a turn first"
    );
    drop(slow);
}

#[tokio::test]
async fn uploads_stop_at_the_owners_allowance() {
    let t = TestApp::spawn_with(|c| c.max_attachment_bytes_per_user = 150).await;
    let (_, token) = t.practitioner("sam@example.nhs.uk").await;
    let id = t
        .create_entry(&token, &entry("Falls", "2026-01-05", "work_based_learning"))
        .await;
    let path = format!("/api/v1/reflections/{id}/attachments");
    let first = png_bytes();
    assert_eq!(first.len(), 80);
    let (status, _) = t.upload(&path, Some(&token), "a.png", &first).await;
    assert_eq!(status, 201);
    let mut second = png_bytes();
    second[79] = 1;
    let (status, body) = t.upload(&path, Some(&token), "b.png", &second).await;
    assert_problem(status, &body, 413);
    assert_eq!(
        body["detail"],
        "this file would take you past your allowance of 150 bytes of attachments; remove some first"
    );
    let (_, listed) = t.get(&path, Some(&token)).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
}
