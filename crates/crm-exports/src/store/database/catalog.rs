//! The catalog roles over any backend: portals and tokens (tokens cached where the store
//! caches), schemas and properties, custom objects and association definitions. Schema
//! changes drop the cached schemas they affect.

use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;

use super::{Backend, Database};
use crate::domain::ObjectType;
use crate::domain::association::AssociationCatalog;
use crate::domain::custom_object::{
    AssociationDefinition, CustomObject, CustomObjectSettings, NewCustomObject,
};
use crate::domain::property::{PropertyDefinition, PropertyGroup};
use crate::domain::schema::ObjectSchema;
use crate::store::sql::exec::op;
use crate::store::sql::{association_labels, custom_objects, portal_reset, portals, schemas};
use crate::store::{
    CustomObjects, ExportRow, LabelDraft, PortalId, Portals, Schemas, StoreResult, TokenInfo,
};

#[async_trait]
impl<B: Backend> Portals for Database<B> {
    async fn create_portal(&self, now: i64) -> StoreResult<PortalId> {
        self.write(op(move |e| Box::pin(portals::create_portal(e, None, now))))
            .await
    }

    async fn ensure_portal(&self, portal: PortalId, now: i64) -> StoreResult<bool> {
        self.write(op(move |e| {
            Box::pin(portals::ensure_portal(e, portal, now))
        }))
        .await
    }

    async fn list_portals(&self) -> StoreResult<Vec<PortalId>> {
        self.read(op(|e| Box::pin(portals::list_portals(e)))).await
    }

    async fn create_token(
        &self,
        portal: PortalId,
        name: &str,
        scopes: &[String],
        token_hash: &str,
        now: i64,
    ) -> StoreResult<TokenInfo> {
        let (name, scopes, hash) = (name.to_string(), scopes.to_vec(), token_hash.to_string());
        self.write(op(move |e| {
            Box::pin(
                async move { portals::create_token(e, portal, &name, &scopes, &hash, now).await },
            )
        }))
        .await
    }

    async fn token_by_hash(&self, token_hash: &str) -> StoreResult<Option<Arc<TokenInfo>>> {
        let Some(caches) = &self.caches else {
            let hash = token_hash.to_string();
            let found = self
                .read(op(move |e| {
                    Box::pin(async move { portals::token_by_hash(e, &hash).await })
                }))
                .await?;
            return Ok(found.map(Arc::new));
        };
        let now = Instant::now();
        if let Some(info) = caches.tokens.get(token_hash, now) {
            return Ok(Some(info));
        }
        let start = caches.tokens.read_start(now);
        let hash = token_hash.to_string();
        let found = self
            .read(op(move |e| {
                Box::pin(async move { portals::token_by_hash(e, &hash).await })
            }))
            .await?
            .map(Arc::new);
        // Unknown tokens are not remembered: a token created a moment later must work.
        if let Some(info) = &found {
            caches
                .tokens
                .put(token_hash.to_string(), info.clone(), start);
        }
        Ok(found)
    }

    async fn list_tokens(&self) -> StoreResult<Vec<TokenInfo>> {
        self.read(op(|e| Box::pin(portals::list_tokens(e)))).await
    }

    async fn revoke_token(&self, id: i64, now: i64) -> StoreResult<bool> {
        let revoked = self
            .write(op(move |e| Box::pin(portals::revoke_token(e, id, now))))
            .await;
        if let Some(caches) = &self.caches {
            caches.tokens.remove_where(|_, info| info.id == id);
        }
        revoked
    }

    async fn reset_portal(&self, portal: PortalId) -> StoreResult<Option<Vec<ExportRow>>> {
        let reset = self
            .write(op(move |e| Box::pin(portal_reset::reset_portal(e, portal))))
            .await;
        // Cached schemas and finished exports of the portal describe what is gone.
        self.forget_portal_schemas(portal);
        self.forget_export(None);
        reset
    }
}

#[async_trait]
impl<B: Backend> Schemas for Database<B> {
    async fn object_schema(
        &self,
        portal: PortalId,
        object: ObjectType,
    ) -> StoreResult<Arc<ObjectSchema>> {
        self.schema(portal, object).await
    }

    async fn create_property(
        &self,
        portal: PortalId,
        object: ObjectType,
        definition: PropertyDefinition,
    ) -> StoreResult<PropertyDefinition> {
        let created = self
            .write(op(move |e| {
                Box::pin(schemas::create_property(e, portal, object, definition))
            }))
            .await;
        self.forget_schema(portal, object);
        created
    }

    async fn create_property_group(
        &self,
        portal: PortalId,
        object: ObjectType,
        group: PropertyGroup,
    ) -> StoreResult<PropertyGroup> {
        let created = self
            .write(op(move |e| {
                Box::pin(schemas::create_property_group(e, portal, object, group))
            }))
            .await;
        self.forget_schema(portal, object);
        created
    }

    async fn update_properties(
        &self,
        portal: PortalId,
        object: ObjectType,
        properties: Vec<PropertyDefinition>,
    ) -> StoreResult<Vec<PropertyDefinition>> {
        let updated = self
            .write(op(move |e| {
                Box::pin(schemas::update_properties(e, portal, object, properties))
            }))
            .await;
        self.forget_schema(portal, object);
        updated
    }

    async fn update_property_group(
        &self,
        portal: PortalId,
        object: ObjectType,
        group: PropertyGroup,
    ) -> StoreResult<PropertyGroup> {
        let updated = self
            .write(op(move |e| {
                Box::pin(schemas::update_property_group(e, portal, object, group))
            }))
            .await;
        self.forget_schema(portal, object);
        updated
    }
}

#[async_trait]
impl<B: Backend> CustomObjects for Database<B> {
    async fn create_custom_object(
        &self,
        portal: PortalId,
        new: NewCustomObject,
        now: i64,
    ) -> StoreResult<Arc<CustomObject>> {
        let created = self
            .write(op(move |e| {
                Box::pin(async move { custom_objects::create(e, portal, &new, now).await })
            }))
            .await;
        // The objects it is associated with now have one more association type.
        self.forget_portal_schemas(portal);
        Ok(Arc::new(created?))
    }

    async fn custom_objects(&self, portal: PortalId) -> StoreResult<Vec<Arc<CustomObject>>> {
        let found = self
            .read(op(move |e| Box::pin(custom_objects::list(e, portal))))
            .await?;
        Ok(found.into_iter().map(Arc::new).collect())
    }

    async fn update_custom_object(
        &self,
        portal: PortalId,
        object: ObjectType,
        settings: CustomObjectSettings,
        now: i64,
    ) -> StoreResult<Arc<CustomObject>> {
        let updated = self
            .write(op(move |e| {
                Box::pin(
                    async move { custom_objects::update(e, portal, object, &settings, now).await },
                )
            }))
            .await;
        self.forget_schema(portal, object);
        Ok(Arc::new(updated?))
    }

    async fn archive_custom_object(
        &self,
        portal: PortalId,
        object: ObjectType,
        now: i64,
    ) -> StoreResult<()> {
        let archived = self
            .write(op(move |e| {
                Box::pin(custom_objects::archive(e, portal, object, now))
            }))
            .await;
        self.forget_schema(portal, object);
        archived
    }

    async fn define_association(
        &self,
        portal: PortalId,
        from: ObjectType,
        to: ObjectType,
        name: String,
        now: i64,
    ) -> StoreResult<AssociationDefinition> {
        let defined = self
            .write(op(move |e| {
                Box::pin(async move {
                    custom_objects::define_association(e, portal, from, to, &name, now).await
                })
            }))
            .await;
        self.forget_portal_schemas(portal);
        defined
    }

    async fn remove_association_definition(
        &self,
        portal: PortalId,
        object: ObjectType,
        type_id: i64,
    ) -> StoreResult<bool> {
        let removed = self
            .write(op(move |e| {
                Box::pin(custom_objects::remove_association(
                    e, portal, object, type_id,
                ))
            }))
            .await;
        self.forget_portal_schemas(portal);
        removed
    }

    async fn association_catalog(&self, portal: PortalId) -> StoreResult<AssociationCatalog> {
        let definitions = self
            .read(op(move |e| {
                Box::pin(custom_objects::definitions_of(e, portal, None))
            }))
            .await?;
        Ok(AssociationCatalog::new(definitions))
    }

    async fn create_association_label(
        &self,
        portal: PortalId,
        (from, to): (ObjectType, ObjectType),
        draft: LabelDraft,
        now: i64,
    ) -> StoreResult<AssociationDefinition> {
        let created = self
            .write(op(move |e| {
                Box::pin(async move {
                    association_labels::create(e, portal, from, to, &draft, now).await
                })
            }))
            .await;
        // A custom object's schema lists its association types.
        self.forget_portal_schemas(portal);
        created
    }

    async fn update_association_label(
        &self,
        portal: PortalId,
        pair: (ObjectType, ObjectType),
        type_id: i64,
        label: String,
        inverse_label: Option<String>,
    ) -> StoreResult<bool> {
        let updated = self
            .write(op(move |e| {
                Box::pin(async move {
                    let inverse = inverse_label.as_deref();
                    association_labels::update(e, portal, pair, type_id, &label, inverse).await
                })
            }))
            .await;
        self.forget_portal_schemas(portal);
        updated
    }

    async fn delete_association_label(
        &self,
        portal: PortalId,
        pair: (ObjectType, ObjectType),
        type_id: i64,
    ) -> StoreResult<bool> {
        let deleted = self
            .write(op(move |e| {
                Box::pin(association_labels::delete(e, portal, pair, type_id))
            }))
            .await;
        self.forget_portal_schemas(portal);
        deleted
    }
}
