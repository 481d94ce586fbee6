//! Wallets and transfers: pending until mined then credited, refusals that change nothing,
//! creating wallets and making one primary.

use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn transfer_is_pending_until_mined_then_credited() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let carol = app.register("carol").await;

        let res = app
            .graphql_as(
                &alice.access,
                TRANSFER,
                json!({"input": {"toAddress": bob.address, "amount": "10.5", "fee": "0.25", "message": " lunch "}}),
            )
            .await;
        let tx = res.assert_ok()["transfer"].clone();
        assert_eq!(tx["status"], "PENDING");
        assert_eq!(tx["amount"], "10.5");
        assert_eq!(tx["fee"], "0.25");
        assert_eq!(tx["message"], "lunch");
        assert_eq!(tx["fromAddress"], alice.address.as_str());
        assert!(tx["block"].is_null());
        assert_eq!(app.balance(&alice.address).await, "89.25");
        assert_eq!(app.balance(&bob.address).await, "100");
        let pending = app
            .graphql(
                "query($a: String!) { wallet(address: $a) { pendingIncoming } }",
                json!({"a": bob.address}),
            )
            .await;
        assert_eq!(pending.assert_ok()["wallet"]["pendingIncoming"], "10.5");
        app.assert_ledger_invariant().await;

        let block = app.mine(&carol, None).await;
        let block = block.assert_ok()["mineBlock"].clone();
        assert_eq!(block["index"], 1);
        assert_eq!(block["transactionCount"], 1);
        assert_eq!(block["reward"], "50");
        assert_eq!(block["miner"]["username"], "carol");
        assert!(
            block["hash"].as_str().unwrap().starts_with("00"),
            "difficulty 2"
        );

        assert_eq!(app.balance(&bob.address).await, "110.5");
        assert_eq!(
            app.balance(&carol.address).await,
            "150.25",
            "reward plus fee"
        );
        assert_eq!(app.balance(&alice.address).await, "89.25");
        let q = "query($h: String!) { transaction(hash: $h) { status confirmedAt block { index } fromWallet { address } toWallet { owner { username } } } }";
        let res = app.graphql(q, json!({"h": tx["hash"]})).await;
        let confirmed = &res.assert_ok()["transaction"];
        assert_eq!(confirmed["status"], "CONFIRMED");
        assert_eq!(confirmed["block"]["index"], 1);
        assert!(confirmed["confirmedAt"].is_string());
        assert_eq!(confirmed["toWallet"]["owner"]["username"], "bob");
        app.assert_ledger_invariant().await;
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM events WHERE action = 'wallet.transfer'")
                .await,
            1
        );
        assert_eq!(
            app.scalar("SELECT COUNT(*) FROM events WHERE action = 'chain.mine_block'")
                .await,
            1
        );
    }
}

#[tokio::test]
async fn refused_transfers_change_nothing() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let other_wallet = app
            .graphql_as(
                &bob.access,
                "mutation { createWallet(input: {}) { address } }",
                json!({}),
            )
            .await;
        let bobs_second = other_wallet.assert_ok()["createWallet"]["address"]
            .as_str()
            .unwrap()
            .to_owned();
        let before = app.ledger_snapshot().await;
        let unknown = format!("RD{}", "a".repeat(38));
        let long_message = "m".repeat(281);
        let cases = [
            (
                json!({"toAddress": bob.address, "amount": "0"}),
                "BAD_USER_INPUT",
                Some("amount"),
            ),
            (
                json!({"toAddress": bob.address, "amount": "101"}),
                "INSUFFICIENT_FUNDS",
                None,
            ),
            (
                json!({"toAddress": bob.address, "amount": "100", "fee": "0.00000001"}),
                "INSUFFICIENT_FUNDS",
                None,
            ),
            (
                json!({"toAddress": "not-an-address", "amount": "1"}),
                "BAD_USER_INPUT",
                Some("toAddress"),
            ),
            (
                json!({"toAddress": format!("RD{}", "G".repeat(38)), "amount": "1"}),
                "BAD_USER_INPUT",
                Some("toAddress"),
            ),
            (
                json!({"toAddress": unknown, "amount": "1"}),
                "NOT_FOUND",
                None,
            ),
            (
                json!({"toAddress": alice.address, "amount": "1"}),
                "BAD_USER_INPUT",
                Some("toAddress"),
            ),
            (
                json!({"fromAddress": bobs_second, "toAddress": alice.address, "amount": "1"}),
                "FORBIDDEN",
                None,
            ),
            (
                json!({"fromAddress": "junk", "toAddress": bob.address, "amount": "1"}),
                "BAD_USER_INPUT",
                Some("fromAddress"),
            ),
            (
                json!({"toAddress": bob.address, "amount": "1", "message": long_message}),
                "BAD_USER_INPUT",
                Some("message"),
            ),
            // Rejected by the Amount scalar itself: coded, and the message names the type.
            (
                json!({"toAddress": bob.address, "amount": "-1"}),
                "BAD_USER_INPUT",
                None,
            ),
            (
                json!({"toAddress": bob.address, "amount": "1.123456789"}),
                "BAD_USER_INPUT",
                None,
            ),
            (
                json!({"toAddress": bob.address, "amount": "99999999999999999999"}),
                "BAD_USER_INPUT",
                None,
            ),
            (
                json!({"toAddress": bob.address, "amount": "92233720369"}),
                "BAD_USER_INPUT",
                None,
            ),
            (
                json!({"toAddress": bob.address, "amount": 5}),
                "BAD_USER_INPUT",
                None,
            ),
            (
                json!({"toAddress": bob.address, "amount": "1", "fee": "-0.1"}),
                "BAD_USER_INPUT",
                None,
            ),
        ];
        for (input, code, field) in cases {
            let res = app
                .graphql_as(&alice.access, TRANSFER, json!({"input": input.clone()}))
                .await;
            assert_eq!(res.error_code(), Some(code), "{input}: {}", res.body);
            match field {
                Some(field) => assert_eq!(res.error_field(), Some(field), "{input}: {}", res.body),
                None if code == "BAD_USER_INPUT" => {
                    assert!(
                        res.error_message().unwrap().contains("Amount"),
                        "{}",
                        res.body
                    )
                }
                None => {}
            }
            assert_eq!(
                app.ledger_snapshot().await,
                before,
                "{input} changed the ledger"
            );
        }
        app.graphql(
            TRANSFER,
            json!({"input": {"toAddress": bob.address, "amount": "1"}}),
        )
        .await
        .assert_error("UNAUTHENTICATED");
        assert_eq!(app.ledger_snapshot().await, before);
        app.assert_ledger_invariant().await;
    }
}

#[tokio::test]
async fn wallets_can_be_created_and_made_primary() {
    for app in spawn_apps().await {
        let alice = app.register("alice").await;
        let bob = app.register("bob").await;
        let create = "mutation($input: CreateWalletInput!) { createWallet(input: $input) { address label isPrimary balance } }";
        let res = app
            .graphql_as(
                &alice.access,
                create,
                json!({"input": {"label": "savings"}}),
            )
            .await;
        let savings = res.assert_ok()["createWallet"].clone();
        assert_eq!(savings["label"], "savings");
        assert_eq!(savings["isPrimary"], false);
        assert_eq!(savings["balance"], "0");
        let savings_address = savings["address"].as_str().unwrap().to_owned();

        let res = app
            .graphql_as(
                &alice.access,
                create,
                json!({"input": {"label": "x".repeat(51)}}),
            )
            .await;
        assert_eq!(res.error_field(), Some("label"));
        app.graphql(create, json!({"input": {}}))
            .await
            .assert_error("UNAUTHENTICATED");

        // The label is the owner's; the address and balance are public.
        let q = "query($a: String!) { wallet(address: $a) { label balance owner { username } } }";
        let res = app
            .graphql_as(&bob.access, q, json!({"a": savings_address}))
            .await;
        assert!(res.assert_ok()["wallet"]["label"].is_null());
        let res = app
            .graphql_as(&alice.access, q, json!({"a": savings_address}))
            .await;
        assert_eq!(res.assert_ok()["wallet"]["label"], "savings");

        let set = "mutation($input: SetPrimaryWalletInput!) { setPrimaryWallet(input: $input) { address isPrimary } }";
        app.graphql_as(
            &bob.access,
            set,
            json!({"input": {"address": savings_address}}),
        )
        .await
        .assert_error("FORBIDDEN");
        app.graphql_as(&alice.access, set, json!({"input": {"address": "nope"}}))
            .await
            .assert_error("BAD_USER_INPUT");
        let unknown = format!("RD{}", "b".repeat(38));
        app.graphql_as(&alice.access, set, json!({"input": {"address": unknown}}))
            .await
            .assert_error("NOT_FOUND");
        let res = app
            .graphql_as(
                &alice.access,
                set,
                json!({"input": {"address": savings_address}}),
            )
            .await;
        assert_eq!(res.assert_ok()["setPrimaryWallet"]["isPrimary"], true);

        let mine = app
            .graphql_as(
                &alice.access,
                "{ myWallets { address isPrimary label } }",
                json!({}),
            )
            .await;
        let wallets = mine.assert_ok()["myWallets"].as_array().unwrap().clone();
        assert_eq!(wallets.len(), 2);
        assert_eq!(
            wallets[0]["address"],
            savings_address.as_str(),
            "primary first"
        );
        assert_eq!(wallets.iter().filter(|w| w["isPrimary"] == true).count(), 1);
        app.graphql("{ myWallets { address } }", json!({}))
            .await
            .assert_error("UNAUTHENTICATED");

        // Transfers now default to the new primary wallet, which is empty.
        app.transfer(&alice, &bob.address, "1")
            .await
            .assert_error("INSUFFICIENT_FUNDS");
        let res = app
            .graphql_as(&alice.access, TRANSFER, json!({"input": {"fromAddress": alice.address, "toAddress": savings_address, "amount": "40"}}))
            .await;
        res.assert_ok();
        app.assert_ledger_invariant().await;
    }
}
