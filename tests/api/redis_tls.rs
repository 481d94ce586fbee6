//! `rediss://`: the server talks to a Redis that only speaks TLS, trusting a private CA from
//! REDIS_TLS_CA_FILE. Runs a throwaway `redis-server` with TLS (the one CI has installed).

use std::{
    net::TcpListener,
    process::{Child, Command, Stdio},
};

use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

struct TlsRedis {
    child: Child,
    port: u16,
    ca_file: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for TlsRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A CA, a server certificate for localhost signed by it, and redis-server on a free port
/// accepting TLS only.
fn start_tls_redis() -> TlsRedis {
    let dir = tempfile::tempdir().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca_key = KeyPair::generate().unwrap();
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let server_key = KeyPair::generate().unwrap();
    let server_cert = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&server_key, &issuer)
        .unwrap();
    let path = |name: &str| dir.path().join(name);
    std::fs::write(path("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(path("server.pem"), server_cert.pem()).unwrap();
    std::fs::write(path("server.key"), server_key.serialize_pem()).unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            "0",
            "--tls-port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
        ])
        .arg("--tls-cert-file")
        .arg(path("server.pem"))
        .arg("--tls-key-file")
        .arg(path("server.key"))
        .arg("--tls-ca-cert-file")
        .arg(path("ca.pem"))
        .args([
            "--tls-auth-clients",
            "no",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server is installed");
    TlsRedis {
        child,
        port,
        ca_file: path("ca.pem"),
        _dir: dir,
    }
}

#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL (and redis-server)")]
async fn rediss_with_a_private_ca_serves_the_cache() {
    let redis = start_tls_redis();
    let url = format!("rediss://localhost:{}", redis.port);
    let ca = redis.ca_file.clone();
    let app = spawn_app_with(backends()[0], move |c| {
        c.redis_url = Some(url);
        c.redis_tls_ca_file = Some(ca);
        c.redis_key_prefix = unique_prefix();
    })
    .await;
    eventually("Redis over TLS", || async {
        app.get_json("/health/ready").await
            == (
                StatusCode::OK,
                json!({"status": "ok", "checks": {"database": "ok", "redis": "ok"}}),
            )
    })
    .await;
    // The shared cache answers from the TLS Redis.
    let get = || async {
        app.client
            .get(app.url("/graphql"))
            .query(&[("query", "{ chainStats { height } }")])
            .send()
            .await
            .unwrap()
            .headers()["x-cache"]
            .to_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(get().await, "MISS");
    assert_eq!(get().await, "HIT");
    assert_eq!(
        app.state.redis.as_ref().map(|r| r.is_degraded()),
        Some(false)
    );

    // Without the CA the certificate is not trusted: Redis is unusable, the API still serves.
    let url = format!("rediss://localhost:{}", redis.port);
    let untrusting = spawn_app_with(backends()[0], move |c| {
        c.redis_url = Some(url);
        c.redis_timeout_ms = 300;
    })
    .await;
    let (status, body) = untrusting.get_json("/health/ready").await;
    assert_eq!(status, StatusCode::OK, "Redis is optional: {body}");
    assert_eq!(body["checks"]["redis"], "degraded");
    untrusting
        .graphql("{ chainStats { height } }", json!({}))
        .await
        .assert_ok();
}
