//! A market with two providers serving one customer, each through a reseller of its own, and a
//! former reseller that kept its delegated admin access: the contexts in which one partner's
//! sales must stay out of another's reach (provider-scoped commerce).

use std::collections::HashMap;

use http::{Method, StatusCode};
use serde_json::{Value, json};
use twotier_core::RequestMeta;
use twotier_domain::ids::TenantId;

use crate::app::{PASSWORD, TestApp, TestUser, World};

/// The world of [`TestApp::world`] plus:
/// - `provider2` (Northwind Distribution, NL) with its reseller `reseller2` (Adatum, BE);
/// - `former` (Litware, ES), a reseller of the world's provider whose partnership was
///   removed; the customer it was associated with keeps its delegated admin access;
/// - `shared` (Wingtip), created by the world's provider for its reseller, with `sub1`
///   (10 licences, reseller of record: the world's reseller), which later accepted
///   `provider2`'s relationship request naming `reseller2` with delegated admin access and
///   bought `sub2` (5 licences, reseller of record: `reseller2`) from it;
/// - `orphan` (Fourth Coffee), created by the world's provider for `former`, with `sub3`
///   (15 licences, reseller of record: `former`).
#[derive(Debug, Clone)]
pub struct Market {
    pub world: World,
    pub provider2: TenantId,
    pub reseller2: TenantId,
    pub former: TenantId,
    pub shared: TenantId,
    pub orphan: TenantId,
    pub sub1: String,
    pub sub2: String,
    pub sub3: String,
    pub order1: String,
    pub order2: String,
    pub order3: String,
    /// A user of each customer (no admin), made by the customer's own admin.
    pub shared_user: String,
    pub orphan_user: String,
    /// The world's users and these: `provider2_global_admin`, `reseller2_global_admin`,
    /// `reseller2_helpdesk_agent`, `former_global_admin`, `shared_global_admin` (the
    /// customer's own admin, `admin@wingtip…`), `orphan_global_admin`.
    pub users: HashMap<&'static str, TestUser>,
}

impl Market {
    pub fn user(&self, key: &str) -> &TestUser {
        self.users
            .get(key)
            .or_else(|| self.world.users.get(key))
            .unwrap_or_else(|| panic!("no market user {key}"))
    }
}

impl TestApp {
    /// An active partnership made the way people make it: the provider's Global admin
    /// invites, the reseller's accepts.
    pub async fn partner_pair(&self, provider_admin: &TestUser, reseller_admin: &TestUser) {
        let meta = RequestMeta::default();
        let provider = self.svc_actor(provider_admin).await;
        let reseller = self.svc_actor(reseller_admin).await;
        let invitation = twotier_core::partnerships::invite(
            &self.svc,
            &provider,
            &meta,
            &twotier_core::partnerships::InviteInput::default(),
        )
        .await
        .expect("invite");
        let url = invitation.url.expect("link");
        let token = url.split("token=").nth(1).expect("token");
        twotier_core::partnerships::accept(&self.svc, &reseller, &meta, token)
            .await
            .expect("accept");
    }

    /// A user that already exists (a customer's admin), with a known password, signed in.
    pub async fn adopt(&self, operator: &TenantId, tenant: &TenantId, email: &str) -> TestUser {
        self.set_password(email, PASSWORD).await;
        let user_id = {
            let mut c = self.svc.db.read().await.expect("read");
            twotier_store::users::list_for_tenant(&mut c.conn(), tenant)
                .await
                .expect("users")
                .into_iter()
                .find(|u| u.email_lower == email.to_lowercase())
                .expect("user")
                .id
        };
        self.signed_in(operator, tenant, email, user_id.to_string())
            .await
    }

    pub async fn customer_for(
        &self,
        provider: &TestUser,
        prefix: &str,
        reseller: &TenantId,
    ) -> (TenantId, String) {
        let body = json!({
            "companyProfile": { "domain": prefix },
            "billingProfile": { "email": format!("it@{prefix}.test"), "culture": "de-DE", "language": "de",
                "companyName": format!("{prefix} GmbH"),
                "defaultAddress": { "addressLine1": "Hauptstrasse 1", "city": "Berlin", "postalCode": "10115",
                    "country": "DE", "firstName": "Kim", "lastName": "Lee" } },
            "associatedPartnerId": reseller.to_string(),
        });
        let r = self
            .api(
                Method::POST,
                "/v1/customers",
                &provider.bearer(),
                Some(body),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let id = r.json()["id"].as_str().expect("id").to_owned();
        let admin = r.json()["userCredentials"]["userName"]
            .as_str()
            .expect("admin")
            .to_owned();
        (TenantId::from_stored(id), admin)
    }

    pub async fn order(
        &self,
        provider: &TestUser,
        customer: &TenantId,
        quantity: i64,
        mpn_id: &str,
    ) -> (String, String) {
        let order = json!({ "lineItems": [{ "lineItemNumber": 0, "offerId": "CNT-BASIC", "quantity": quantity,
            "partnerIdOnRecord": mpn_id }] });
        let r = self
            .api(
                Method::POST,
                &format!("/v1/customers/{customer}/orders"),
                &provider.bearer(),
                Some(order),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let o: Value = r.json();
        (
            o["id"].as_str().expect("order").to_owned(),
            o["lineItems"][0]["subscriptionId"]
                .as_str()
                .expect("subscription")
                .to_owned(),
        )
    }

    /// A plain user of a customer, created by the customer's admin; its id.
    pub async fn customer_user(
        &self,
        admin: &TestUser,
        customer: &TenantId,
        email: &str,
    ) -> String {
        let r = self
            .api(
                Method::POST,
                &format!("/v1/customers/{customer}/users"),
                &admin.bearer(),
                Some(json!({ "userPrincipalName": email, "firstName": "Kim", "lastName": "Lee" })),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["id"].as_str().expect("id").to_owned()
    }

    /// See [`Market`].
    pub async fn market(&self) -> Market {
        let world = self.world().await;
        let op = world.operator.clone();
        self.import_demo_catalog(&world).await;
        self.partner(&world).await;
        let mut users = HashMap::new();
        let provider2 = self
            .enroll(&op, "provider", "Northwind Distribution", "1000002", "NL")
            .await;
        let reseller2 = self
            .enroll(&op, "reseller", "Adatum Services", "2000002", "BE")
            .await;
        let former = self
            .enroll(&op, "reseller", "Litware", "2000003", "ES")
            .await;
        for (key, tenant, email, role) in [
            (
                "provider2_global_admin",
                &provider2,
                "admin@northwind.test",
                "global_admin",
            ),
            (
                "reseller2_global_admin",
                &reseller2,
                "admin@adatum.test",
                "global_admin",
            ),
            (
                "reseller2_helpdesk_agent",
                &reseller2,
                "helpdesk@adatum.test",
                "helpdesk_agent",
            ),
            (
                "former_global_admin",
                &former,
                "admin@litware.test",
                "global_admin",
            ),
        ] {
            users.insert(key, self.user(&op, tenant, email, &[role]).await);
        }
        self.partner_pair(
            &users["provider2_global_admin"],
            &users["reseller2_global_admin"],
        )
        .await;
        let p1 = world.user("provider_global_admin").clone();
        self.partner_pair(&p1, &users["former_global_admin"]).await;

        // Wingtip: the world's provider's customer, for the world's reseller.
        let (shared, shared_admin) = self.customer_for(&p1, "wingtip", &world.reseller).await;
        let (order1, sub1) = self.order(&p1, &shared, 10, "2000001").await;
        users.insert(
            "shared_global_admin",
            self.adopt(&op, &shared, &shared_admin).await,
        );
        // ...which then accepts the second provider, with its reseller and admin access.
        let p2 = users["provider2_global_admin"].clone();
        let r = self
            .api(
                Method::GET,
                &format!("/v1/customers/relationshiprequests?indirectResellerId={reseller2}"),
                &p2.bearer(),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let url = r.json()["url"].as_str().expect("url").to_owned();
        let token = url.split("token=").nth(1).expect("token").to_owned();
        let r = self
            .form(
                Method::POST,
                "/customer-relationships/accept",
                &users["shared_global_admin"].session(),
                &[("token", token.as_str()), ("consent", "on")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
        let (order2, sub2) = self.order(&p2, &shared, 5, "2000002").await;

        // Fourth Coffee: for the reseller whose partnership then ends.
        let (orphan, orphan_admin) = self.customer_for(&p1, "fourthcoffee", &former).await;
        let (order3, sub3) = self.order(&p1, &orphan, 15, "2000003").await;
        users.insert(
            "orphan_global_admin",
            self.adopt(&op, &orphan, &orphan_admin).await,
        );
        let shared_user = self
            .customer_user(
                &users["shared_global_admin"],
                &shared,
                "kim@wingtip.onmicrosoft.example",
            )
            .await;
        let orphan_user = self
            .customer_user(
                &users["orphan_global_admin"],
                &orphan,
                "kim@fourthcoffee.onmicrosoft.example",
            )
            .await;
        let r = self
            .api(
                Method::DELETE,
                &format!("/v1/relationships/{former}"),
                &p1.bearer(),
                None,
            )
            .await;
        assert!(r.status.is_success(), "{}", r.text());
        Market {
            world,
            provider2,
            reseller2,
            former,
            shared,
            orphan,
            sub1,
            sub2,
            sub3,
            order1,
            order2,
            order3,
            shared_user,
            orphan_user,
            users,
        }
    }
}
