//! Cache hits for clients that accept compression: served from a body compressed once per
//! entry and encoding, decoding to exactly what an uncached request answers, with the headers
//! a fresh compressed answer has. The client decompresses nothing itself (no reqwest
//! decompression features): the test decodes the raw bytes.

use std::io::Read;

use reqwest::StatusCode;
use serde_json::json;

use crate::{
    cache::{cache_apps, header},
    helpers::*,
};

/// Big enough to be compressed (over 1 KiB), cached for 60 s (blocks), the same data whatever
/// the operation's name.
fn query(name: &str) -> String {
    let fields: String = (0..16)
        .map(|i| format!(" b{i}: blocks(first: 5) {{ edges {{ node {{ index hash }} }} }}"))
        .collect();
    format!("query {name} {{{fields} }}")
}

async fn post(app: &TestApp, query: &str, encoding: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": query }));
    if let Some(encoding) = encoding {
        request = request.header("accept-encoding", encoding);
    }
    request.send().await.unwrap()
}

fn decode(encoding: &str, bytes: &[u8]) -> String {
    let mut out = String::new();
    match encoding {
        "" => out = String::from_utf8(bytes.to_vec()).unwrap(),
        "gzip" => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_string(&mut out)
                .unwrap();
        }
        "br" => {
            brotli::Decompressor::new(bytes, 4096)
                .read_to_string(&mut out)
                .unwrap();
        }
        other => panic!("unexpected content-encoding {other:?}"),
    }
    out
}

/// The response's headers that matter here, and its body decoded.
async fn answer(res: reqwest::Response) -> (StatusCode, [String; 5], String) {
    let names = [
        "x-cache",
        "content-encoding",
        "vary",
        "etag",
        "cache-control",
    ];
    let headers = names.map(|n| header(&res, n));
    let status = res.status();
    let bytes = res.bytes().await.unwrap();
    (status, headers.clone(), decode(&headers[1], &bytes))
}

async fn counter(app: &TestApp, name: &str) -> u64 {
    app.metric(name)
        .await
        .unwrap_or_else(|| panic!("{name} missing from /metrics"))
        .round() as u64
}

#[tokio::test]
async fn compressed_hits_decode_to_the_uncached_body_with_the_same_headers() {
    for app in cache_apps(|_| {}).await {
        // The same data under two keys: A answered compressed by the layer (a miss), B plain.
        let (status, miss_br, fresh_a) = answer(post(&app, &query("A"), Some("br")).await).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(miss_br[0], "MISS", "{fresh_a}");
        assert_eq!(miss_br[1], "br", "a miss is compressed by the layer");
        let (_, miss_plain, uncached) = answer(post(&app, &query("B"), None).await).await;
        assert_eq!(
            (miss_plain[0].as_str(), miss_plain[1].as_str()),
            ("MISS", "")
        );
        assert!(uncached.len() > 1024, "{} bytes", uncached.len());
        assert_eq!(fresh_a, uncached);
        assert!(!uncached.contains("errors"), "{uncached}");

        let compressions = counter(&app, "cache_compressions_total").await;
        let reused = counter(&app, "cache_compressed_hits_total").await;
        for (accept, expected) in [
            ("br", "br"),
            ("gzip", "gzip"),
            ("gzip, deflate, br, zstd", "br"),
            ("br;q=0.5, gzip", "gzip"),
        ] {
            for _ in 0..2 {
                let (status, hit, body) = answer(post(&app, &query("A"), Some(accept)).await).await;
                assert_eq!(status, StatusCode::OK);
                assert_eq!(hit[0], "HIT", "{accept}");
                assert_eq!(hit[1], expected, "{accept}");
                assert_eq!(
                    body, uncached,
                    "{accept}: the hit decodes to the uncached body"
                );
                // Vary, ETag and Cache-Control as the miss had them.
                assert_eq!(hit[2..], miss_br[2..], "{accept}");
            }
        }
        // Two encodings, each compressed once; the six other hits reused those bytes.
        assert_eq!(
            counter(&app, "cache_compressions_total").await - compressions,
            2
        );
        assert_eq!(
            counter(&app, "cache_compressed_hits_total").await - reused,
            6
        );

        // No encoding accepted: the identical bytes, plain, with the plain miss's headers.
        for accept in [
            None,
            Some("identity"),
            Some("gzip;q=0, br;q=0"),
            Some("zstd"),
        ] {
            let (_, hit, body) = answer(post(&app, &query("B"), accept).await).await;
            assert_eq!(hit[0], "HIT", "{accept:?}");
            assert_eq!(hit[1..], miss_plain[1..], "{accept:?}");
            assert_eq!(body, uncached, "{accept:?}");
        }

        // A matching If-None-Match still answers 304, empty, whatever the encoding.
        let etag = miss_br[3].clone();
        assert!(etag.starts_with("W/\""), "{etag}");
        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", query("A"))])
            .header("accept-encoding", "br")
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(header(&res, "etag"), etag);
        assert_eq!(header(&res, "content-encoding"), "");
        assert!(res.bytes().await.unwrap().is_empty());
        // A GET whose ETag is stale gets the compressed body.
        let res = app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", query("A"))])
            .header("accept-encoding", "gzip")
            .header("if-none-match", "W/\"other\"")
            .send()
            .await
            .unwrap();
        let (status, hit, body) = answer(res).await;
        assert_eq!((status, hit[1].as_str()), (StatusCode::OK, "gzip"));
        assert_eq!(body, uncached);
    }
}

/// Small answers stay plain, as the compression layer leaves them, and compress nothing.
#[tokio::test]
async fn small_hits_stay_plain() {
    for app in cache_apps(|_| {}).await {
        let q = "{ blocks(first: 1) { edges { node { index } } } }";
        let (_, miss, fresh) = answer(post(&app, q, Some("br")).await).await;
        let compressions = counter(&app, "cache_compressions_total").await;
        let (_, hit, body) = answer(post(&app, q, Some("br")).await).await;
        assert_eq!((miss[0].as_str(), hit[0].as_str()), ("MISS", "HIT"));
        assert_eq!((hit[1].as_str(), hit[2].as_str()), ("", ""));
        assert_eq!(hit[1..], miss[1..]);
        assert_eq!(body, fresh);
        assert_eq!(
            counter(&app, "cache_compressions_total").await,
            compressions
        );
    }
}

/// With Redis the compressed form is shared: a second instance serves the first one's bytes
/// without compressing, and a form that does not belong to the entry's body (its ETag differs)
/// is never served.
#[tokio::test]
#[cfg_attr(not(test_redis), ignore = "needs TEST_REDIS_URL")]
async fn instances_share_the_compressed_form_through_redis() {
    let url = redis_url();
    let backend = *backends().last().unwrap_or(&Backend::Sqlite);
    let prefix = unique_prefix();
    let (u1, p1) = (url.clone(), prefix.clone());
    let a = spawn_app_with(backend, move |c| {
        c.redis_url = Some(u1);
        c.redis_key_prefix = p1;
    })
    .await;
    let shared_db = a.state.config.database_url.clone();
    let (u2, p2) = (url.clone(), prefix.clone());
    let b = spawn_app_with(backend, move |c| {
        c.redis_url = Some(u2);
        c.redis_key_prefix = p2;
        c.database_url = shared_db;
    })
    .await;
    let q = query("Shared");
    let (_, _, uncached) = answer(post(&a, &q, None).await).await;
    let (_, hit, body) = answer(post(&a, &q, Some("br")).await).await;
    assert_eq!((hit[0].as_str(), hit[1].as_str()), ("HIT", "br"));
    assert_eq!(body, uncached);
    assert_eq!(counter(&a, "cache_compressions_total").await, 1);

    let (_, hit, body) = answer(post(&b, &q, Some("br")).await).await;
    assert_eq!((hit[0].as_str(), hit[1].as_str()), ("HIT", "br"));
    assert_eq!(body, uncached);
    assert_eq!(counter(&b, "cache_compressions_total").await, 0);
    assert_eq!(counter(&b, "cache_compressed_hits_total").await, 1);

    // A form left by another body under the same key (or corrupted) is ignored and replaced.
    let client = redis::Client::open(url).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}api:cache:z:br:*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    let _: () = redis::cmd("SET")
        .arg(&keys[0])
        .arg(b"W/\"0123\"|not brotli".to_vec())
        .query_async(&mut conn)
        .await
        .unwrap();
    let (_, hit, body) = answer(post(&b, &q, Some("br")).await).await;
    assert_eq!(hit[1], "br");
    assert_eq!(body, uncached);
    assert_eq!(counter(&b, "cache_compressions_total").await, 1);
    let (_, _, body) = answer(post(&a, &q, Some("br")).await).await;
    assert_eq!(body, uncached);
    assert_eq!(counter(&a, "cache_compressed_hits_total").await, 1);
}
