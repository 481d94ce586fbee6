//! A TCP relay to Redis that tests cut and restore, to see what an instance does when it
//! loses Redis while others keep it.

use std::{
    net::SocketAddr,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, Ordering},
    },
};

use tokio::{net::TcpListener, task::AbortHandle};

/// Where TEST_REDIS_URL's Redis listens.
pub async fn redis_upstream(url: &str) -> SocketAddr {
    let info = redis::Client::open(url)
        .unwrap()
        .get_connection_info()
        .clone();
    match info.addr() {
        redis::ConnectionAddr::Tcp(host, port) => tokio::net::lookup_host((host.as_str(), *port))
            .await
            .unwrap()
            .next()
            .unwrap(),
        other => panic!("the outage tests need a TCP Redis, not {other:?}"),
    }
}

/// A TCP relay to Redis that can cut every connection and refuse new ones, then recover.
pub struct Relay {
    pub address: SocketAddr,
    down: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
}

impl Relay {
    pub async fn start(upstream: SocketAddr) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let down = Arc::new(AtomicBool::new(false));
        let links: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (d, l) = (down.clone(), links.clone());
        tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if d.load(Ordering::SeqCst) {
                    continue; // dropped: the connection is refused
                }
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                l.lock().unwrap().push(task.abort_handle());
            }
        });
        Relay {
            address,
            down,
            links,
        }
    }

    pub fn cut(&self) {
        self.down.store(true, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    pub fn restore(&self) {
        self.down.store(false, Ordering::SeqCst);
    }
}
