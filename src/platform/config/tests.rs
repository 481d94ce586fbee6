use super::*;

fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn defaults_are_embedded_mode() {
    let config = Config::from_vars(vec![]).unwrap();
    assert_eq!(config.port, 8000);
    assert!(config.is_sqlite());
    assert_eq!(config.auth.access_token_expire_minutes, 30);
}

#[test]
fn every_section_reads_its_variables() {
    let config = Config::from_vars(vars(&[
        ("CHAIN_DIFFICULTY", "3"),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "5"),
        ("WALLET_MASTER_KEY", "k"),
        ("PORT", "9"),
    ]))
    .unwrap();
    assert_eq!(config.chain.chain_difficulty, 3);
    assert_eq!(config.auth.access_token_expire_minutes, 5);
    assert_eq!(config.wallet.wallet_master_key.as_deref(), Some("k"));
    assert_eq!(config.port, 9);
    // Every variable named by a section is accepted, and none twice.
    let all = Config::variables();
    let unique: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!(unique.len(), all.len(), "{all:?}");
    for name in [
        "CHAIN_DIFFICULTY",
        "SECRET_KEY",
        "WALLET_MASTER_KEY",
        "DATABASE_URL",
    ] {
        assert!(all.iter().any(|v| v == name), "{name}");
    }
    let err = Config::from_vars(vars(&[("CHAIN_DIFFICULTY", "99")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("CHAIN_DIFFICULTY"), "{err}");
}

#[test]
fn pool_size_follows_the_backend_unless_set() {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()) as u32;
    let sqlite = Config::from_vars(vec![]).unwrap();
    assert_eq!(sqlite.db_pool_size(), cores.clamp(1, 16) + 1);
    let pg_url = ("DATABASE_URL", "postgres://u@h/db");
    let pg = Config::from_vars(vars(&[pg_url])).unwrap();
    assert_eq!(pg.db_pool_size(), (cores * 4).clamp(4, 32));
    let set = Config::from_vars(vars(&[pg_url, ("DB_MAX_CONNECTIONS", "7")])).unwrap();
    assert_eq!(set.db_pool_size(), 7);
    let set = Config::from_vars(vars(&[("DB_MAX_CONNECTIONS", "20")])).unwrap();
    assert_eq!(set.db_pool_size(), 20);
    for bad in [
        vec![("DB_MAX_CONNECTIONS", "0")],
        vec![("DB_MIN_CONNECTIONS", "40")],
        vec![("DB_MAX_CONNECTIONS", "2"), ("DB_MIN_CONNECTIONS", "3")],
    ] {
        let err = Config::from_vars(vars(&bad)).unwrap_err().to_string();
        assert!(err.contains("DB_MAX_CONNECTIONS"), "{err}");
    }
}

#[test]
fn bad_value_names_the_variable() {
    let err = Config::from_vars(vars(&[("PORT", "eighty")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("PORT"), "{err}");
    let err = Config::from_vars(vars(&[("ENVIRONMENT", "staging")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("ENVIRONMENT"), "{err}");
    let err = Config::from_vars(vars(&[("AUTO_MIGRATE", "maybe")]))
        .unwrap_err()
        .to_string();
    assert!(err.contains("AUTO_MIGRATE"), "{err}");
    // Out of range: a page of nothing, a sweep of content being written.
    for (name, value) in [
        ("JOB_PAGE_SIZE", "0"),
        ("JOB_PAGE_SIZE", "10001"),
        ("FILE_ORPHAN_AGE_SECS", "0"),
    ] {
        let err = Config::from_vars(vars(&[(name, value)]))
            .unwrap_err()
            .to_string();
        assert!(err.contains(name), "{name}={value}: {err}");
    }
    let ok = Config::from_vars(vars(&[
        ("JOB_PAGE_SIZE", "1"),
        ("FILE_ORPHAN_AGE_SECS", "1"),
    ]));
    assert!(ok.is_ok());
}

#[test]
fn production_requires_secrets() {
    let prod = |pairs: &[(&str, &str)]| {
        Config::from_vars(vars(pairs))
            .unwrap()
            .require_serving_secrets()
    };
    let err = prod(&[("ENVIRONMENT", "production")])
        .unwrap_err()
        .to_string();
    assert!(err.contains("SECRET_KEY"), "{err}");
    let long = "x".repeat(40);
    let err = prod(&[("ENVIRONMENT", "production"), ("SECRET_KEY", &long)])
        .unwrap_err()
        .to_string();
    assert!(err.contains("WALLET_MASTER_KEY"), "{err}");
    let err = prod(&[
        ("ENVIRONMENT", "production"),
        ("SECRET_KEY", "short"),
        ("WALLET_MASTER_KEY", &long),
    ])
    .unwrap_err()
    .to_string();
    assert!(err.contains("SECRET_KEY"), "{err}");
    prod(&[
        ("ENVIRONMENT", "production"),
        ("SECRET_KEY", &long),
        ("WALLET_MASTER_KEY", &long),
    ])
    .unwrap();
    // Development needs neither.
    prod(&[]).unwrap();
}
