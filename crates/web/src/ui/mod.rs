//! The server-rendered UI. Pages work without JavaScript; every form carries the session's
//! CSRF token; errors are shown next to their field.

mod forms;
mod layout;
mod render;

pub use forms::{
    FormData, autocomplete, choices_for, error_summary, field_errors, input_type, is_required,
    order_errors,
};
pub use layout::{Badge, Ctx, NavGroup, NavItem, kind_label};
pub use render::{
    Count, EmailDraft, ErrorContent, Secret, SecretPage, ShowOnce, ShownOnceSlot, country_name,
    csv_response, error_page, form_status, plural, redirect_to_step, render, render_status,
    show_once_for, shown_once_again, signed_in_error_page, temporary_password, with_next,
};

pub mod account;
pub mod admin;
pub mod assets;
pub mod audit;
pub mod catalog;
pub mod customer_relationships;
pub mod customers;
pub mod incentives;
pub mod licences;
pub mod orders;
pub mod partners;
pub mod partnerships;
pub mod session;
pub mod shown_once;
pub mod subscriptions;
pub mod table;
pub mod wizard;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{Html, IntoResponse, Redirect, Response};
use http::StatusCode;
use twotier_core::auth::{Session, Step};
use twotier_domain::FieldErrors;
use twotier_domain::authz::Permission as P;
use twotier_domain::tenant::TenantKind;

use crate::error::PageError;
use crate::routes::Routes;

pub fn routes(r: &mut Routes) {
    account::routes(r);
    session::routes(r);
    admin::routes(r);
    audit::routes(r);
    partners::routes(r);
    partnerships::routes(r);
    catalog::routes(r);
    wizard::routes(r);
    orders::routes(r);
    incentives::routes(r);
    customer_relationships::routes(r);
    licences::routes(r);
    customers::routes(r);
    subscriptions::routes(r);
    shown_once::routes(r);
    assets::routes(r);
}
