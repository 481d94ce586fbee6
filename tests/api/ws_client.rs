//! A minimal GraphQL-over-WebSocket client for the tests, speaking either protocol.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream,
    tungstenite::{Message, client::IntoClientRequest, http::HeaderValue},
};

use crate::helpers::TestApp;

pub const TRANSPORT_WS: &str = "graphql-transport-ws";
pub const LEGACY_WS: &str = "graphql-ws";
pub const PROTOCOLS: [&str; 2] = [TRANSPORT_WS, LEGACY_WS];

/// What the server sent: a protocol message, or the end of the socket.
#[derive(Debug)]
pub enum Incoming {
    Json(Value),
    Closed(Option<u16>, String),
}

pub struct Ws {
    pub protocol: &'static str,
    stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The text of the last protocol message returned, as the server wrote it (key order
    /// included).
    pub last_text: String,
}

pub async fn try_connect(
    app: &TestApp,
    protocol: &'static str,
) -> Result<Ws, tokio_tungstenite::tungstenite::Error> {
    let url = format!("{}/graphql", app.address.replacen("http://", "ws://", 1));
    let mut request = url.into_client_request()?;
    request
        .headers_mut()
        .insert("Sec-WebSocket-Protocol", HeaderValue::from_static(protocol));
    let (stream, response) = tokio_tungstenite::connect_async(request).await?;
    assert_eq!(
        response
            .headers()
            .get("sec-websocket-protocol")
            .and_then(|v| v.to_str().ok()),
        Some(protocol)
    );
    Ok(Ws {
        protocol,
        stream,
        last_text: String::new(),
    })
}

impl Ws {
    pub async fn connect(app: &TestApp, protocol: &'static str) -> Ws {
        try_connect(app, protocol)
            .await
            .expect("websocket connects")
    }

    /// Connects and completes `connection_init` with `token` (anonymous when None).
    pub async fn connect_as(app: &TestApp, protocol: &'static str, token: Option<&str>) -> Ws {
        let mut ws = Ws::connect(app, protocol).await;
        let payload = match token {
            Some(t) => json!({"Authorization": format!("Bearer {t}")}),
            None => json!({}),
        };
        ws.send(json!({"type": "connection_init", "payload": payload}))
            .await;
        let ack = ws.next_json().await;
        assert_eq!(ack["type"], "connection_ack", "{ack}");
        ws
    }

    pub async fn send(&mut self, message: Value) {
        self.stream
            .send(Message::Text(message.to_string().into()))
            .await
            .expect("send");
    }

    pub async fn subscribe(&mut self, id: &str, query: &str, variables: Value) {
        let kind = if self.protocol == TRANSPORT_WS {
            "subscribe"
        } else {
            "start"
        };
        self.send(
            json!({"type": kind, "id": id, "payload": {"query": query, "variables": variables}}),
        )
        .await;
    }

    pub async fn complete(&mut self, id: &str) {
        let kind = if self.protocol == TRANSPORT_WS {
            "complete"
        } else {
            "stop"
        };
        self.send(json!({"type": kind, "id": id})).await;
    }

    /// The next message within `wait`, skipping keep-alives (and answering pings); None on
    /// timeout.
    pub async fn recv_within(&mut self, wait: Duration) -> Option<Incoming> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let next = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()?;
            match next {
                Some(Ok(Message::Text(text))) => {
                    let value: Value = serde_json::from_str(&text).expect("JSON message");
                    match value["type"].as_str() {
                        Some("ka") => continue,
                        Some("ping") => {
                            self.send(json!({"type": "pong"})).await;
                            continue;
                        }
                        _ => {
                            self.last_text = text.to_string();
                            return Some(Incoming::Json(value));
                        }
                    }
                }
                Some(Ok(Message::Close(frame))) => {
                    return Some(Incoming::Closed(
                        frame.as_ref().map(|f| u16::from(f.code)),
                        frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                    ));
                }
                Some(Ok(_)) => continue,
                Some(Err(e)) => return Some(Incoming::Closed(None, e.to_string())),
                None => return Some(Incoming::Closed(None, String::new())),
            }
        }
    }

    pub async fn recv(&mut self) -> Incoming {
        self.recv_within(Duration::from_secs(10))
            .await
            .expect("a message within 10 s")
    }

    pub async fn next_json(&mut self) -> Value {
        match self.recv().await {
            Incoming::Json(v) => v,
            other => panic!("expected a message, got {other:?}"),
        }
    }

    /// The next data payload for `id` (`next` or legacy `data`).
    pub async fn next_data(&mut self, id: &str) -> Value {
        let message = self.next_json().await;
        let kind = message["type"].as_str().unwrap_or_default();
        assert!(kind == "next" || kind == "data", "{message}");
        assert_eq!(message["id"], id, "{message}");
        assert!(
            message["payload"].get("errors").is_none(),
            "unexpected errors: {message}"
        );
        message["payload"]["data"].clone()
    }

    /// The error code an operation was refused or ended with, in either protocol's framing.
    /// The first error of the next message, which must be about subscription `id`.
    pub async fn next_error(&mut self, id: &str) -> Value {
        let message = self.next_json().await;
        assert_eq!(message["id"], id, "{message}");
        let errors = match message["type"].as_str() {
            Some("error") => message["payload"].clone(),
            Some("next") | Some("data") => message["payload"]["errors"].clone(),
            _ => panic!("expected an error, got {message}"),
        };
        errors[0].clone()
    }

    pub async fn next_error_code(&mut self, id: &str) -> String {
        let error = self.next_error(id).await;
        error["extensions"]["code"]
            .as_str()
            .unwrap_or_else(|| panic!("no code in {error}"))
            .to_owned()
    }

    pub async fn expect_close(&mut self) -> (Option<u16>, String) {
        loop {
            match self.recv().await {
                Incoming::Closed(code, reason) => return (code, reason),
                // The legacy protocol reports first, then closes.
                Incoming::Json(v) if v["type"] == "connection_error" => continue,
                Incoming::Json(v) => panic!("expected close, got {v}"),
            }
        }
    }

    /// Asserts that nothing but keep-alives arrives for `wait`.
    pub async fn expect_silence(&mut self, wait: Duration) {
        if let Some(message) = self.recv_within(wait).await {
            panic!("expected silence, got {message:?}");
        }
    }
}
