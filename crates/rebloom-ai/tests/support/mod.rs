//! A scriptable HTTP/1.1 server on 127.0.0.1 for provider tests. It records
//! each request (method, target, headers, body) and answers with exact bytes:
//! a response head as the real provider sends it, then the body as separate
//! small chunked-encoding frames, each its own write (so events arrive split
//! at arbitrary points), and then a clean end, a dropped connection, or a
//! stall. Written on raw TCP so that nothing between the script and the
//! socket reframes or buffers the bytes.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod embeddings;
pub mod fixtures;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// One request as the server received it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    /// Path and query, e.g. `/v1/chat/completions?api-version=…`.
    pub target: String,
    /// Names lower-cased, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

/// How a response ends after its body pieces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum End {
    /// The terminating zero-length chunk; the connection stays open for more requests.
    Complete,
    /// Close the connection mid-body (no terminating chunk).
    Drop,
    /// Send nothing more, keep the connection open.
    Stall,
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Never send a byte.
    Silence,
    /// `head` (status line and headers, without the blank line), then `body`
    /// in chunked encoding, `piece` bytes a frame, then `end`.
    Chunked {
        head: String,
        body: Vec<u8>,
        piece: usize,
        end: End,
    },
    /// `head`, then `body` as is, then close the connection (a body delimited
    /// by the connection's end, as some servers and proxies send).
    CloseDelimited { head: String, body: Vec<u8> },
    /// A complete response with `Content-Length`.
    Full { head: String, body: Vec<u8> },
}

impl Reply {
    pub fn sse(head: &str, body: &str, piece: usize) -> Reply {
        Reply::sse_ending(head, body, piece, End::Complete)
    }

    pub fn sse_ending(head: &str, body: &str, piece: usize, end: End) -> Reply {
        Reply::Chunked {
            head: head.to_owned(),
            body: body.as_bytes().to_vec(),
            piece,
            end,
        }
    }

    /// An error response as the provider sends it: `head` plus `Content-Length`.
    pub fn error(head: &str, body: &str) -> Reply {
        Reply::Full {
            head: head.to_owned(),
            body: body.as_bytes().to_vec(),
        }
    }
}

type Respond = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

/// A running test server. It stops with the test's runtime.
pub struct TestServer {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
}

impl TestServer {
    /// Starts a server that answers the `n`th request (from 0) with `respond(n)`.
    pub async fn start(respond: impl Fn(usize) -> Reply + Send + Sync + 'static) -> TestServer {
        TestServer::answering(move |n, _| respond(n)).await
    }

    /// Starts a server that answers the `n`th request (from 0) with
    /// `respond(n, request)`, for replies that depend on what was sent.
    pub async fn answering(
        respond: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let respond: Arc<Respond> = Arc::new(respond);
        let counter = Arc::new(AtomicUsize::new(0));
        let recorded = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                socket.set_nodelay(true).unwrap();
                tokio::spawn(serve(
                    socket,
                    respond.clone(),
                    counter.clone(),
                    recorded.clone(),
                ));
            }
        });
        TestServer { addr, requests }
    }

    /// Always the same reply.
    pub async fn always(reply: Reply) -> TestServer {
        TestServer::start(move |_| reply.clone()).await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn only_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(requests.len(), 1, "expected exactly one request");
        requests.into_iter().next().unwrap()
    }
}

/// An address where nothing listens (connections are refused).
pub async fn refusing_address() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}

async fn serve(
    mut socket: TcpStream,
    respond: Arc<Respond>,
    counter: Arc<AtomicUsize>,
    recorded: Arc<Mutex<Vec<Recorded>>>,
) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut socket, &mut buffer).await else {
            return;
        };
        let n = counter.fetch_add(1, Ordering::SeqCst);
        let reply = respond(n, &request);
        recorded.lock().unwrap().push(request);
        let keep_going = match reply {
            Reply::Silence => {
                std::future::pending::<()>().await;
                false
            }
            Reply::Full { head, body } => {
                let head = format!("{head}\r\nContent-Length: {}\r\n\r\n", body.len());
                write(&mut socket, head.as_bytes()).await && write(&mut socket, &body).await
            }
            Reply::CloseDelimited { head, body } => {
                let _ = write(&mut socket, format!("{head}\r\n\r\n").as_bytes()).await
                    && write(&mut socket, &body).await;
                false
            }
            Reply::Chunked {
                head,
                body,
                piece,
                end,
            } => {
                if !write(&mut socket, format!("{head}\r\n\r\n").as_bytes()).await {
                    return;
                }
                for frame in body.chunks(piece.max(1)) {
                    let mut bytes = format!("{:x}\r\n", frame.len()).into_bytes();
                    bytes.extend_from_slice(frame);
                    bytes.extend_from_slice(b"\r\n");
                    if !write(&mut socket, &bytes).await {
                        return;
                    }
                }
                match end {
                    End::Complete => write(&mut socket, b"0\r\n\r\n").await,
                    End::Drop => false,
                    End::Stall => {
                        std::future::pending::<()>().await;
                        false
                    }
                }
            }
        };
        if !keep_going {
            let _ = socket.shutdown().await;
            return;
        }
    }
}

async fn write(socket: &mut TcpStream, bytes: &[u8]) -> bool {
    socket.write_all(bytes).await.is_ok() && socket.flush().await.is_ok()
}

/// Reads one request (head and `Content-Length` body); `None` when the client
/// closes the connection.
async fn read_request(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Recorded> {
    let head_end = loop {
        if let Some(i) = find(buffer, b"\r\n\r\n") {
            break i;
        }
        if !fill(socket, buffer).await {
            return None;
        }
    };
    let head = String::from_utf8(buffer[..head_end].to_vec()).expect("request head is UTF-8");
    buffer.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap().split(' ');
    let method = request_line.next().unwrap().to_owned();
    let target = request_line.next().unwrap().to_owned();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.trim().to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    assert!(
        !headers
            .iter()
            .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")),
        "the test server reads only Content-Length bodies"
    );
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    while buffer.len() < length {
        if !fill(socket, buffer).await {
            return None;
        }
    }
    let body = buffer.drain(..length).collect();
    Some(Recorded {
        method,
        target,
        headers,
        body,
    })
}

async fn fill(socket: &mut TcpStream, buffer: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 4096];
    match socket.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buffer.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
