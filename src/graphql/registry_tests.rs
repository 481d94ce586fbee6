//! Registry completeness: what a domain must declare when it adds to the schema. Each test
//! walks the schema the code builds, so a forgotten registration fails here, not in production
//! as a stale cache entry or an id `node(id:)` cannot resolve.

use std::collections::BTreeSet;

use async_graphql::{
    OutputType, SubscriptionType,
    registry::{MetaType, Registry},
};

use super::{
    cache_policy::{field_tags, known_tags, type_tags},
    node::NodeType,
    schema::{DOMAIN_TAGS, Mutation, Query, Subscription},
};

/// The schema's types. Building the registry by hand also registers the parts of merged
/// objects (`UserCore`, `ChainQuery`, …), which the SDL leaves out; keep what it prints.
fn registry() -> Registry {
    let mut registry = Registry::default();
    <Query as OutputType>::create_type_info(&mut registry);
    <Mutation as OutputType>::create_type_info(&mut registry);
    <Subscription as SubscriptionType>::create_type_info(&mut registry);
    let sdl = super::schema::sdl();
    let document = async_graphql::parser::parse_schema(&sdl).expect("the SDL parses");
    let printed: BTreeSet<String> = document
        .definitions
        .iter()
        .filter_map(|d| match d {
            async_graphql::parser::types::TypeSystemDefinition::Type(t) => {
                Some(t.node.name.node.to_string())
            }
            _ => None,
        })
        .collect();
    registry
        .types
        .retain(|name, _| printed.contains(name) || name == "Query");
    registry
}

fn base(ty: &str) -> &str {
    ty.trim_matches(|c| c == '[' || c == ']' || c == '!')
}

#[test]
fn every_mutation_declares_the_tags_it_writes() {
    let registry = registry();
    let Some(MetaType::Object { fields, .. }) = registry.types.get("Mutation") else {
        panic!("no Mutation type");
    };
    let declared: BTreeSet<&str> = DOMAIN_TAGS
        .iter()
        .flat_map(|d| d.mutations.iter().map(|(name, _)| *name))
        .collect();
    for name in fields.keys() {
        assert!(
            declared.contains(name.as_str()),
            "Mutation.{name} declares no cache tags (add it to its domain's MUTATION_TAGS)"
        );
    }
    for name in &declared {
        assert!(
            fields.contains_key(*name),
            "MUTATION_TAGS names {name}, which is not a Mutation field"
        );
    }
    for (name, tags) in DOMAIN_TAGS.iter().flat_map(|d| d.mutations.iter()) {
        assert!(tags.contains(&"Event"), "{name} writes an audit event");
    }
}

#[test]
fn every_cacheable_type_has_a_tag_some_mutation_drops() {
    let registry = registry();
    let known = known_tags();
    for (name, ty) in &registry.types {
        let MetaType::Object {
            fields,
            cache_control,
            ..
        } = ty
        else {
            continue;
        };
        if name.starts_with("__") || ["Query", "Mutation", "Subscription"].contains(&name.as_str())
        {
            continue;
        }
        let hinted = cache_control.max_age != 0
            || fields
                .values()
                .any(|f| f.cache_control.max_age != 0 || !f.cache_control.public);
        if !hinted {
            continue;
        }
        assert!(
            type_tags(name).iter().any(|t| known.contains(t)),
            "cacheable type {name} has no tag that a mutation invalidates; declare its tags in \
             its domain's TYPE_TAGS or tag a mutation with {:?}",
            type_tags(name)
        );
    }
}

#[test]
fn every_cached_query_field_returning_a_scalar_declares_tags() {
    let registry = registry();
    let Some(MetaType::Object { fields, .. }) = registry.types.get("Query") else {
        panic!("no Query type");
    };
    let known = known_tags();
    for (name, field) in fields {
        let returns_object = matches!(
            registry.types.get(base(&field.ty)),
            Some(MetaType::Object { .. } | MetaType::Interface { .. } | MetaType::Union { .. })
        );
        if returns_object || field.cache_control.max_age == 0 || name.starts_with("__") {
            continue;
        }
        let tags = field_tags("Query", name);
        assert!(
            !tags.is_empty() && tags.iter().all(|t| known.contains(t)),
            "Query.{name} returns {} and is cached: declare its tags in FIELD_TAGS",
            field.ty
        );
    }
}

#[test]
fn every_object_with_an_id_is_a_node() {
    let registry = registry();
    let nodes = registry.implements.clone();
    for (name, ty) in &registry.types {
        let MetaType::Object { fields, .. } = ty else {
            continue;
        };
        if fields.get("id").is_some_and(|f| f.ty == "ID!") {
            assert!(
                nodes.get(name).is_some_and(|i| i.contains("Node")),
                "{name} has an id but does not implement Node; add it to `nodes!`"
            );
        }
    }
    for kind in NodeType::ALL {
        assert!(
            nodes.get(kind.name()).is_some_and(|i| i.contains("Node")),
            "{} is a node type but not in the schema",
            kind.name()
        );
    }
}

#[test]
fn audit_actions_write_known_tags() {
    use crate::audit::AuditAction;
    let known = known_tags();
    let writes = crate::auth::AuthAction::ALL
        .iter()
        .flat_map(|a| a.writes())
        .chain(
            crate::users::UserAction::ALL
                .iter()
                .flat_map(|a| a.writes()),
        )
        .chain(
            crate::wallet::WalletAction::ALL
                .iter()
                .flat_map(|a| a.writes()),
        )
        .chain(
            crate::chain::ChainAction::ALL
                .iter()
                .flat_map(|a| a.writes()),
        )
        .chain(
            crate::notifications::NotificationAction::ALL
                .iter()
                .flat_map(|a| a.writes()),
        )
        .chain(
            crate::files::FileAction::ALL
                .iter()
                .flat_map(|a| a.writes()),
        )
        .chain(
            crate::social::SocialAction::ALL
                .iter()
                .flat_map(|a| a.writes()),
        )
        .chain(
            crate::video::VideoAction::ALL
                .iter()
                .flat_map(|a| a.writes()),
        )
        .chain(crate::mail::MailAction::ALL.iter().flat_map(|a| a.writes()))
        .chain(
            crate::devices::DeviceAction::ALL
                .iter()
                .flat_map(|a| a.writes()),
        )
        .chain(crate::jobs::JobAction::ALL.iter().flat_map(|a| a.writes()))
        .chain(crate::ai::AiAction::ALL.iter().flat_map(|a| a.writes()));
    for tag in writes {
        assert!(
            known.contains(tag),
            "an audit action writes unknown tag {tag}"
        );
    }
}
