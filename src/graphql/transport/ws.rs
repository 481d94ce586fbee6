//! GraphQL over WebSocket on `/graphql`: `graphql-transport-ws` (the `graphql-ws` library)
//! and the legacy `graphql-ws` (subscriptions-transport-ws), chosen by
//! `Sec-WebSocket-Protocol`.
//!
//! This drives the protocols itself rather than through async-graphql's `WebSocket`, which
//! closes every failed `connection_init` with 1002, has no per-socket subscription limit, no
//! server keep-alive, and no way to end a socket when its token expires.

use std::{
    collections::HashMap, net::SocketAddr, pin::Pin, str::FromStr, sync::Arc, task::Poll,
    time::Duration,
};

use async_graphql::{
    Data, Response,
    http::{ClientMessage, WebSocketProtocols as Protocols},
};
use axum::{
    extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response as HttpResponse},
};
use futures_util::{Stream, StreamExt, future::poll_fn, stream::BoxStream};
use serde_json::{Value, json};
use tokio::time::{Instant, sleep_until, timeout};
use uuid::Uuid;

use super::{
    http::GraphqlHttp,
    response::{Body, error_object, to_json},
    sockets::SocketSlot,
    ws_protocol::{
        CLOSE_BAD_MESSAGE, CLOSE_DUPLICATE_ID, CLOSE_FORBIDDEN, CLOSE_GOING_AWAY,
        CLOSE_INIT_TIMEOUT, CLOSE_TOO_MANY, CLOSE_UNAUTHORIZED, rights_changed, token_of, verify,
    },
};
use crate::{
    auth::Viewer,
    graphql::{
        admission::{Admission, Transport},
        context::RequestMeta,
        loaders::Loaders,
        order::Shape,
        schema::AppSchema,
    },
    http::{client_ip, request_id},
    platform::{error::AppError, pubsub::Subscription},
    state::AppState,
    users::AdminChanged,
};

/// Read and write buffers per socket. tungstenite's defaults (128 KiB each) would cost
/// gigabytes at 20,000 idle sockets; subscription traffic is small messages.
const READ_BUFFER: usize = 4 * 1024;
const WRITE_BUFFER: usize = 4 * 1024;

/// Upgrades `GET /graphql` to a subscription socket, or refuses before upgrading.
pub fn upgrade(
    ws: WebSocketUpgrade,
    http: GraphqlHttp,
    headers: &HeaderMap,
    peer: SocketAddr,
) -> HttpResponse {
    let GraphqlHttp {
        state,
        schema,
        admission,
        ..
    } = http;
    let protocol = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.split(',')
                .find_map(|p| Protocols::from_str(p.trim()).ok())
        });
    let Some(protocol) = protocol else {
        return AppError::BadRequest(
            "Sec-WebSocket-Protocol must be graphql-transport-ws or graphql-ws".into(),
        )
        .into_response();
    };
    let Some(slot) = state.sockets.open(state.config.ws_max_connections) else {
        let mut response =
            AppError::ServiceUnavailable("too many open subscription sockets").into_response();
        *response.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return response;
    };
    let meta = socket_meta(headers, peer, state.config.trust_proxy);
    let max_message = state.config.ws_max_message_bytes;
    ws.protocols([protocol.sec_websocket_protocol()])
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .on_upgrade(move |socket| {
            Connection {
                state,
                schema,
                admission,
                protocol,
                meta,
                slot: Some(slot),
                socket,
                subscriptions: HashMap::new(),
                session: None,
                rights: None,
            }
            .run()
        })
}

/// Where a socket comes from: the same client address (TRUST_PROXY included) and request id
/// as an HTTP request, so what its operations record names the real client.
fn socket_meta(headers: &HeaderMap, peer: SocketAddr, trust_proxy: bool) -> RequestMeta {
    RequestMeta {
        request_id: request_id(headers),
        ip: Some(client_ip(headers, peer, trust_proxy)),
    }
}

/// What an authenticated (or anonymous) socket runs with, fixed at `connection_init`.
struct Session {
    data: Arc<Data>,
    user: Option<Uuid>,
    /// When the access token expires; the socket is closed then unless re-authenticated.
    expires: Option<Instant>,
}

struct Connection {
    state: AppState,
    schema: AppSchema,
    admission: Arc<Admission>,
    protocol: Protocols,
    meta: RequestMeta,
    /// Held while the socket counts against the limits; released as soon as it starts closing.
    slot: Option<SocketSlot>,
    socket: WebSocket,
    subscriptions: HashMap<String, BoxStream<'static, Response>>,
    session: Option<Session>,
    /// Admin-rights changes, heard while the socket is signed in: its viewer was resolved at
    /// `connection_init`, so a change for its user closes it (4401) to reconnect with the
    /// rights as they now are.
    rights: Option<Subscription<AdminChanged>>,
}

enum Wake {
    Incoming(Option<Result<Message, axum::Error>>),
    Item(String, Option<Response>),
    RightsChanged,
    KeepAlive,
    Deadline,
    Shutdown,
}

/// How long a closing socket waits for the client's Close.
const CLOSE_HANDSHAKE: Duration = Duration::from_secs(1);

/// What to do after handling something.
pub(super) enum Flow {
    Continue,
    Close(u16, String),
    /// The peer is gone or unresponsive: nothing more can be sent.
    Gone,
}

pub(super) fn close(code: u16, reason: impl Into<String>) -> Flow {
    Flow::Close(code, reason.into())
}

/// The first ready item of any subscription; pending while there is none.
fn next_item<'a>(
    subscriptions: &'a mut HashMap<String, BoxStream<'static, Response>>,
) -> impl Future<Output = (String, Option<Response>)> + use<'a> {
    poll_fn(move |cx| {
        for (id, stream) in subscriptions.iter_mut() {
            if let Poll::Ready(item) = Pin::new(stream).poll_next(cx) {
                return Poll::Ready((id.clone(), item));
            }
        }
        Poll::Pending
    })
}

impl Connection {
    async fn run(mut self) {
        let config = &self.state.config;
        let keepalive_every = Duration::from_secs(config.ws_keepalive_secs);
        let init_deadline = Instant::now() + Duration::from_secs(config.ws_init_timeout_secs);
        let mut keepalive =
            tokio::time::interval_at(Instant::now() + keepalive_every, keepalive_every);
        let mut shutdown = self.state.sockets.on_shutdown();
        loop {
            let deadline = match &self.session {
                None => Some(init_deadline),
                Some(session) => session.expires,
            };
            let ready = self.session.is_some();
            let user = self.session.as_ref().and_then(|s| s.user);
            let wake = tokio::select! {
                incoming = self.socket.recv() => Wake::Incoming(incoming),
                (id, item) = next_item(&mut self.subscriptions) => Wake::Item(id, item),
                () = rights_changed(&mut self.rights, user) => Wake::RightsChanged,
                _ = keepalive.tick(), if ready => Wake::KeepAlive,
                _ = sleep_until(deadline.unwrap_or(init_deadline)), if deadline.is_some() => Wake::Deadline,
                _ = shutdown.wait_for(|down| *down) => Wake::Shutdown,
            };
            let flow = match wake {
                Wake::Incoming(Some(Ok(message))) => self.on_message(message).await,
                // Closed, reset, or a protocol violation such as an oversized message.
                Wake::Incoming(_) => Flow::Gone,
                Wake::Item(id, item) => self.on_item(id, item).await,
                Wake::RightsChanged => {
                    close(CLOSE_UNAUTHORIZED, "access rights changed; reconnect")
                }
                Wake::KeepAlive => {
                    let kind = match self.protocol {
                        Protocols::GraphQLWS => "ping",
                        Protocols::SubscriptionsTransportWS => "ka",
                    };
                    self.send(json!({ "type": kind })).await
                }
                Wake::Deadline if self.session.is_none() => {
                    close(CLOSE_INIT_TIMEOUT, "Connection initialisation timeout")
                }
                Wake::Deadline => close(CLOSE_UNAUTHORIZED, "access token expired"),
                Wake::Shutdown => close(CLOSE_GOING_AWAY, "server is shutting down"),
            };
            match flow {
                Flow::Continue => {}
                Flow::Gone => return,
                Flow::Close(code, reason) => {
                    // A closing socket no longer counts: its client may reconnect at once.
                    self.slot.take();
                    if self.protocol == Protocols::SubscriptionsTransportWS && code >= 4000 {
                        // The legacy protocol reports through a message; the close code is
                        // for clients that look.
                        let error =
                            json!({"type": "connection_error", "payload": {"message": reason}});
                        if let Flow::Gone = self.send(error).await {
                            return;
                        }
                    }
                    let frame = CloseFrame {
                        code,
                        reason: reason.into(),
                    };
                    let _ = timeout(
                        keepalive_every,
                        self.socket.send(Message::Close(Some(frame))),
                    )
                    .await;
                    // On shutdown, finish the closing handshake: read (and discard) until the
                    // client's Close, so that unread input does not turn our close into a TCP
                    // reset that overtakes the close frame. Other closes release their socket
                    // slot at once instead.
                    if code == CLOSE_GOING_AWAY {
                        let _ = timeout(CLOSE_HANDSHAKE, async {
                            while let Some(Ok(message)) = self.socket.recv().await {
                                if matches!(message, Message::Close(_)) {
                                    break;
                                }
                            }
                        })
                        .await;
                    }
                    return;
                }
            }
        }
    }

    /// Sends one message; a client that has not taken it within the keep-alive interval is
    /// neither reading data nor pings, and is dropped.
    async fn send(&mut self, message: impl serde::Serialize) -> Flow {
        let limit = Duration::from_secs(self.state.config.ws_keepalive_secs);
        let text = Message::Text(to_json(&message, &self.meta.request_id).into());
        match timeout(limit, self.socket.send(text)).await {
            Ok(Ok(())) => Flow::Continue,
            _ => Flow::Gone,
        }
    }

    async fn on_message(&mut self, message: Message) -> Flow {
        let bytes = match message {
            Message::Text(text) => text.as_str().as_bytes().to_vec(),
            Message::Binary(bytes) => bytes.to_vec(),
            // tungstenite answers pings itself.
            Message::Ping(_) | Message::Pong(_) => return Flow::Continue,
            Message::Close(_) => return Flow::Gone,
        };
        let Ok(message) = ClientMessage::from_bytes(&bytes) else {
            return close(CLOSE_BAD_MESSAGE, "Invalid message received");
        };
        match message {
            ClientMessage::ConnectionInit { payload } => self.on_init(payload).await,
            ClientMessage::Start { id, payload } => self.on_subscribe(id, payload).await,
            ClientMessage::Stop { id } => {
                let known = self.subscriptions.remove(&id).is_some();
                // graphql-transport-ws: the client's `complete` needs no answer.
                if known && self.protocol == Protocols::SubscriptionsTransportWS {
                    return self.send(json!({"type": "complete", "id": id})).await;
                }
                Flow::Continue
            }
            ClientMessage::ConnectionTerminate => close(1000, "terminated"),
            ClientMessage::Ping { payload } => {
                // A ping may carry a fresh token (our extension): the socket lives on.
                if let Some(payload) = payload.filter(|p| token_of(p).is_some())
                    && let Flow::Close(code, reason) = self.reauthenticate(&payload).await
                {
                    return Flow::Close(code, reason);
                }
                self.send(json!({"type": "pong"})).await
            }
            ClientMessage::Pong { .. } => Flow::Continue,
        }
    }

    async fn on_init(&mut self, payload: Option<Value>) -> Flow {
        let payload = payload.unwrap_or(Value::Null);
        if self.session.is_some() {
            return match self.protocol {
                Protocols::GraphQLWS => close(CLOSE_TOO_MANY, "Too many initialisation requests"),
                // The legacy protocol has no ping; a repeated init renews the token.
                Protocols::SubscriptionsTransportWS => match self.reauthenticate(&payload).await {
                    Flow::Continue => self.send(json!({"type": "connection_ack"})).await,
                    other => other,
                },
            };
        }
        // Listening before the viewer is read: a change of rights made between the read and
        // the subscription would otherwise never reach this socket.
        let rights = token_of(&payload)
            .is_some()
            .then(|| self.state.bus.subscribe::<AdminChanged>());
        let (viewer, user, expires) = match token_of(&payload) {
            None => (Viewer::Anonymous, None, None),
            Some(token) => match verify(&self.state, token).await {
                Ok((viewer, user, expires)) => (viewer, Some(user), Some(expires)),
                Err(flow) => return flow,
            },
        };
        if let Some(user) = user
            && !self.slot.as_mut().is_some_and(|slot| {
                slot.claim_user(user, self.state.config.ws_max_connections_per_user)
            })
        {
            return close(CLOSE_TOO_MANY, "too many open sockets for this user");
        }
        if user.is_some() {
            self.rights = rights;
        }
        self.session = Some(Session {
            data: self.session_data(viewer),
            user,
            expires,
        });
        if let Flow::Gone = self.send(json!({"type": "connection_ack"})).await {
            return Flow::Gone;
        }
        match self.protocol {
            Protocols::SubscriptionsTransportWS => self.send(json!({"type": "ka"})).await,
            Protocols::GraphQLWS => Flow::Continue,
        }
    }
}

impl Connection {
    /// What the socket's operations run with: the viewer as just read from the database.
    fn session_data(&self, viewer: Viewer) -> Arc<Data> {
        let mut data = Data::default();
        data.insert(viewer);
        data.insert(self.meta.clone());
        data.insert(Loaders::for_socket(&self.state));
        Arc::new(data)
    }

    /// Renews the socket's token; it must belong to the user the socket was opened for.
    async fn reauthenticate(&mut self, payload: &Value) -> Flow {
        let Some(token) = token_of(payload) else {
            return close(CLOSE_FORBIDDEN, "no access token given");
        };
        let (viewer, user, expires) = match verify(&self.state, token).await {
            Ok(verified) => verified,
            Err(flow) => return flow,
        };
        let data = self.session_data(viewer);
        match self.session.as_mut() {
            Some(session) if session.user == Some(user) => {
                // Operations started from now on see the account as it is now.
                session.data = data;
                session.expires = Some(expires);
                Flow::Continue
            }
            _ => close(CLOSE_FORBIDDEN, "a socket cannot change users"),
        }
    }

    async fn on_subscribe(&mut self, id: String, request: async_graphql::Request) -> Flow {
        let Some(session) = &self.session else {
            return close(CLOSE_UNAUTHORIZED, "Unauthorized");
        };
        if self.subscriptions.contains_key(&id) {
            return close(
                CLOSE_DUPLICATE_ID,
                format!("Subscriber for {id} already exists"),
            );
        }
        let max = self.state.config.ws_max_subscriptions;
        if self.subscriptions.len() >= max {
            let message = format!("at most {max} subscriptions per socket");
            let errors = json!([{"message": message, "extensions": {"code": "RATE_LIMITED"}}]);
            return self
                .send(json!({"type": "error", "id": id, "payload": errors}))
                .await;
        }
        let mut request = request;
        // The same admission as HTTP: persisted and trusted documents, document limits,
        // introspection, and this transport's rule (subscriptions only).
        let admitted = self
            .admission
            .admit(&self.state.config, &mut request, Transport::WebSocket)
            .await;
        let mut admitted = match admitted {
            Ok(admitted) => admitted,
            Err(err) => {
                let errors = json!([error_object(&err, &self.meta.request_id)]);
                return self
                    .send(json!({"type": "error", "id": id, "payload": errors}))
                    .await;
            }
        };
        self.admission.learn(&mut admitted).await;
        let shape = Shape::of(&request, admitted.doc.as_ref());
        let stream = self
            .schema
            .execute_stream_with_session_data(request, session.data.clone())
            .map(move |mut response| {
                // Each event lists its fields as the subscription asked.
                if let Some(shape) = &shape {
                    shape.apply(&mut response.data);
                }
                response
            })
            .boxed();
        self.subscriptions.insert(id, stream);
        Flow::Continue
    }

    async fn on_item(&mut self, id: String, item: Option<Response>) -> Flow {
        let Some(mut response) = item else {
            self.subscriptions.remove(&id);
            return self.send(json!({"type": "complete", "id": id})).await;
        };
        super::response::finish_errors(&mut response.errors, &self.meta.request_id, false);
        let failed = response.data == async_graphql::Value::Null && !response.errors.is_empty();
        if failed && self.protocol == Protocols::GraphQLWS {
            // A refused or failed operation: one `error` message, which also ends it.
            self.subscriptions.remove(&id);
            return self
                .send(json!({"type": "error", "id": id, "payload": response.errors}))
                .await;
        }
        let kind = match self.protocol {
            Protocols::GraphQLWS => "next",
            Protocols::SubscriptionsTransportWS => "data",
        };
        // The payload serialized straight from the result: fields in the order asked.
        #[derive(serde::Serialize)]
        struct Event<'a> {
            r#type: &'a str,
            id: &'a str,
            payload: Body<'a>,
        }
        let event = Event {
            r#type: kind,
            id: &id,
            payload: Body::of(&response),
        };
        self.send(event).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sockets_record_the_client_behind_a_trusted_proxy() {
        let peer: SocketAddr = "10.0.0.1:4000".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "198.51.100.7".parse().unwrap());
        headers.insert("x-request-id", "rid".parse().unwrap());
        let trusted = socket_meta(&headers, peer, true);
        assert_eq!(trusted.ip.as_deref(), Some("198.51.100.7"));
        assert_eq!(trusted.request_id, "rid");
        assert_eq!(
            socket_meta(&headers, peer, false).ip.as_deref(),
            Some("10.0.0.1")
        );
    }
}
