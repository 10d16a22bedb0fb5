//! The demo's HTML: a one-product storefront and an order page for people.

use worker::{Response, Result};

use super::config::Config;
use crate::order::{Order, OrderStatus};

/// The one product of the demo storefront.
pub struct Product {
    pub name: &'static str,
    pub amount: u64,
    pub currency: &'static str,
}

/// What `POST /create-checkout` sells when given only an order id.
pub const DEMO_PRODUCT: Product = Product { name: "Kunog hoodie", amount: 4900, currency: "USD" };

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1a1a2e}\
.card{border:1px solid #ddd;border-radius:12px;padding:1.5rem;margin:1rem 0}\
button{font-size:1rem;padding:.7rem 1.4rem;border:0;border-radius:8px;background:#3b3bf5;color:#fff;cursor:pointer}\
.status{display:inline-block;padding:.2rem .6rem;border-radius:99px;background:#eee;font-weight:600}\
.paid,.soft_paid{background:#d7f5dd;color:#0a5c1f}.expired,.refunded{background:#fde2e1;color:#8a1c13}\
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem;border-bottom:1px solid #eee;font-size:.9rem}";

/// `GET /`: one product and a Buy button. The order id is made when the page is served, so
/// a double-click posts the same order twice, and the order's object makes one intent.
pub fn storefront(config: &Config, order_id: &str) -> Result<Response> {
    let price = format_amount(DEMO_PRODUCT.amount, DEMO_PRODUCT.currency);
    let policy = match config.fulfill_on {
        crate::order::FulfillOn::Pending => "ships when the transfer is seen (digital goods)",
        crate::order::FulfillOn::Confirmed => "ships when the transfer is final",
    };
    Response::from_html(format!(
        "<!doctype html><html lang=en><meta charset=utf-8><title>Kunog demo store</title><style>{STYLE}</style>\
         <h1>Kunog demo store</h1>\
         <div class=card><h2>{name}</h2><p id=price>{price}, paid in USDC</p><p><small>This order {policy}.</small></p>\
         <form method=post action=/create-checkout>\
         <input type=hidden name=order_id value=\"{order_id}\"><button id=buy type=submit>Buy</button></form></div>\
         <p><small>Order {order_id}. Payments go to the Kunog API at {api}.</small></p></html>",
        name = DEMO_PRODUCT.name,
        api = escape(&config.api_base),
    ))
}

/// `GET /orders/{id}` for browsers: where the order is, and how it got there.
pub fn order_page(order: &Order) -> Result<Response> {
    let rows: String = order
        .history
        .iter()
        .map(|t| {
            format!(
                "<tr><td>{}</td><td>{} → {}</td><td><code>{}</code></td></tr>",
                escape(&t.event_type),
                t.from.as_str(),
                t.to.as_str(),
                escape(&t.event_id)
            )
        })
        .collect();
    // Until a final status, look again shortly: the webhook may still be on its way.
    let refresh = match order.status {
        OrderStatus::AwaitingPayment | OrderStatus::SoftPaid => "<meta http-equiv=refresh content=1>",
        _ => "",
    };
    Response::from_html(format!(
        "<!doctype html><html lang=en><meta charset=utf-8>{refresh}<title>Order {id}</title><style>{STYLE}</style>\
         <h1>Order {id}</h1><div class=card><p>Status: <span id=status class=\"status {status}\">{status}</span></p>\
         <p>Amount: {amount}{refunded}</p></div>\
         <h2>History</h2><table><tr><th>event</th><th>change</th><th>event id</th></tr>{rows}</table>\
         <p><a href=/>Back to the store</a></p></html>",
        id = escape(&order.id),
        status = order.status.as_str(),
        amount = format_amount(order.amount, &order.currency),
        refunded = if order.amount_refunded > 0 {
            format!(" ({} refunded)", format_amount(order.amount_refunded, &order.currency))
        } else {
            String::new()
        },
    ))
}

/// `4900 USD` → `$49.00`; other currencies as `49.00 EUR` (two-decimal currencies; JPY-like
/// zero-decimal ones shown whole).
pub fn format_amount(amount: u64, currency: &str) -> String {
    let zero_decimal = matches!(currency, "JPY" | "KRW" | "VND" | "CLP" | "ISK");
    let number = if zero_decimal { amount.to_string() } else { format!("{}.{:02}", amount / 100, amount % 100) };
    match currency {
        "USD" => format!("${number}"),
        "EUR" => format!("€{number}"),
        "GBP" => format!("£{number}"),
        other => format!("{number} {}", escape(other)),
    }
}

/// HTML-escapes text from outside (ids, types, URLs).
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
