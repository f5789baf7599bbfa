//! The offer catalog: import (all rows or none), the operator's page, the offers API.

use http::{Method, StatusCode};
use twotier_testkit::TestApp;

#[tokio::test]
async fn offers_by_country_in_partner_center_shape() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    let sales = world.user("provider_sales_agent").bearer();
    let de = app
        .api(Method::GET, "/v1/offers?country=de", &sales, None)
        .await
        .json();
    let us = app
        .api(Method::GET, "/v1/offers?country=US", &sales, None)
        .await
        .json();
    assert_eq!(de["totalCount"], 21);
    assert_eq!(
        us["totalCount"], 20,
        "the one Europe-only offer is not sold in the US"
    );
    let basic = de["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["id"] == "CNT-BASIC")
        .unwrap();
    assert_eq!(basic["attributes"]["objectType"], "Offer");
    assert_eq!(basic["category"]["name"], "Productivity");
    assert_eq!(basic["country"], "DE");
    assert_eq!(
        basic["upgradeTargetOffers"],
        serde_json::json!(["CNT-STANDARD", "CNT-PREMIUM"])
    );
    assert_eq!(
        (
            basic["term"].clone(),
            basic["termUnitOfMeasure"].clone(),
            basic["termDuration"].clone()
        ),
        (
            serde_json::json!(1),
            serde_json::json!("Years"),
            serde_json::json!("P1Y")
        )
    );
    let page = app
        .api(
            Method::GET,
            "/v1/offers?country=DE&offset=20&size=5",
            &sales,
            None,
        )
        .await
        .json();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let one = app
        .api(
            Method::GET,
            "/v1/offers/MAIL-ARCHIVE?country=DE",
            &sales,
            None,
        )
        .await
        .json();
    assert_eq!(one["isAddOn"], true);
    assert_eq!(
        app.api(
            Method::GET,
            "/v1/offers/LEGACY-MAIL?country=US",
            &sales,
            None
        )
        .await
        .status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.api(Method::GET, "/v1/offers?country=", &sales, None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        app.api(Method::GET, "/v1/offers?country=ZZ", &sales, None)
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    let cats = app
        .api(Method::GET, "/v1/offercategories?country=DE", &sales, None)
        .await
        .json();
    assert!(
        cats["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["name"] == "Developer tools")
    );
    let by_cat = app
        .api(
            Method::GET,
            "/v1/offers?country=DE&offer_category_id=email",
            &sales,
            None,
        )
        .await
        .json();
    assert_eq!(by_cat["totalCount"], 4);
}

#[tokio::test]
async fn an_import_with_a_bad_row_imports_nothing_and_names_every_problem() {
    let app = TestApp::new().await;
    let world = app.world().await;
    let ops = world.user("operator_admin");
    let csv = "id,name,category,supportedBillingCycles,term,countries,maximumQuantity,isAddOn,prerequisiteOffers\n\
               GOOD-1,Good Offer,Tools,monthly,P1M,DE;FR,10,,\n\
               BAD 2,X,Tools,weekly,P2W,ZZ,0,,\n\
               ADDON-3,Orphan Add-on,Tools,monthly,P1M,DE,5,true,NOPE\n";
    let r = app
        .form(Method::POST, "/catalog", &ops.session(), &[("file", csv)])
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text();
    for expected in [
        "row 2 id",
        "row 2 name",
        "row 2 supportedBillingCycles",
        "row 2 term",
        "row 2 countries",
        "row 2 maximumQuantity",
        "row 3 prerequisiteOffers",
    ] {
        assert!(
            html.contains(expected),
            "{expected} missing from the report"
        );
    }
    assert!(html.contains("Nothing was imported"));
    let sales = world.user("provider_sales_agent").bearer();
    assert_eq!(
        app.api(Method::GET, "/v1/offers?country=DE", &sales, None)
            .await
            .json()["totalCount"],
        0
    );
    assert!(
        !app.audit_records()
            .await
            .iter()
            .any(|r| r.operation == "import_catalog")
    );

    let good = "id,name,category,supportedBillingCycles,term,countries\nGOOD-1,Good Offer,Tools,monthly,P1M,DE;FR\n";
    let r = app
        .form(Method::POST, "/catalog", &ops.session(), &[("file", good)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert_eq!(
        app.api(Method::GET, "/v1/offers?country=FR", &sales, None)
            .await
            .json()["totalCount"],
        1
    );
    let page = app.page("/catalog", &ops.session()).await.text();
    assert!(page.contains("data-offer-id=\"GOOD-1\""));
    // Off sale and back; audited.
    let r = app
        .form(
            Method::POST,
            "/catalog/offers/GOOD-1",
            &ops.session(),
            &[("action", "stop")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        app.api(Method::GET, "/v1/offers/GOOD-1?country=DE", &sales, None)
            .await
            .json()["isAvailableForPurchase"],
        false
    );
    let ops_done: Vec<String> = app
        .audit_records()
        .await
        .into_iter()
        .map(|r| r.operation)
        .collect();
    assert!(
        ops_done.contains(&"import_catalog".to_owned())
            && ops_done.contains(&"update_offer".to_owned())
    );
    // Only the operator manages the catalog.
    assert_eq!(
        app.page("/catalog", &world.user("provider_global_admin").session())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.page("/catalog", &world.user("operator_support").session())
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_customer_is_offered_what_its_country_can_buy() {
    let app = TestApp::new().await;
    let world = app.world().await;
    app.import_demo_catalog(&world).await;
    let agent = world.user("provider_admin_agent").bearer();
    let body = serde_json::json!({
        "companyProfile": { "domain": "offersco" },
        "billingProfile": { "email": "it@offersco.test", "culture": "de-DE", "language": "de", "companyName": "Offers Co",
            "defaultAddress": { "addressLine1": "Hauptstr. 1", "city": "Berlin", "postalCode": "10115", "country": "DE", "firstName": "Jo", "lastName": "Meyer" } },
    });
    let c = app
        .api(Method::POST, "/v1/customers", &agent, Some(body))
        .await
        .json();
    let id = c["id"].as_str().unwrap();
    let offers = app
        .api(
            Method::GET,
            &format!("/v1/customers/{id}/offers"),
            &agent,
            None,
        )
        .await
        .json();
    assert_eq!(offers["totalCount"], 21);
    assert!(
        offers["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["country"] == "DE")
    );
    let other = app
        .api(
            Method::GET,
            &format!("/v1/customers/{id}/offers"),
            &world.user("reseller_global_admin").bearer(),
            None,
        )
        .await;
    assert_eq!(
        other.status,
        StatusCode::NOT_FOUND,
        "a partner without a relationship with the customer"
    );
}
