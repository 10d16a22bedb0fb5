//! The hosted checkout page at an intent's `checkout_url`: what is owed and in which asset,
//! a Pay button (the transfer is seen at once: `pending`; final after the configured delay:
//! `confirmed`) and a Cancel button. Plain HTML forms, so it works without JavaScript.

use worker::Url;

use crate::account::{Account, Reply, RequestContext};
use crate::model::{format_amount, PaymentIntent};

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

fn page(status: u16, title: &str, body: &str) -> Reply {
    Reply::html(
        status,
        format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title} · Kunog sandbox checkout</title>\
<style>body{{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#111}}\
.amount{{font-size:2.5rem;font-weight:700;margin:.5rem 0}}.muted{{color:#555}}button{{font-size:1rem;padding:.6rem 1.4rem;margin-right:.5rem;cursor:pointer}}\
.badge{{display:inline-block;background:#fde68a;padding:.1rem .5rem;border-radius:.3rem;font-size:.8rem}}</style></head>\
<body><p><span class=\"badge\">TEST MODE</span> Kunog sandbox</p>{body}</body></html>",
            title = escape(title),
        ),
    )
}

fn intent_summary(intent: &PaymentIntent) -> String {
    let mut html = format!(
        "<p class=\"amount\" data-testid=\"amount\">{}</p><p class=\"muted\">Settles in <strong data-testid=\"settlement\">{}</strong></p>",
        escape(&format_amount(intent.amount, &intent.currency)),
        escape(&intent.settlement),
    );
    if let Some(description) = &intent.description {
        html.push_str(&format!("<p>{}</p>", escape(description)));
    }
    html
}

pub fn handle(account: &Account, method: &str, url: &Url, ctx: &RequestContext, now: i64) -> Reply {
    let segments: Vec<&str> = url
        .path()
        .trim_end_matches('/')
        .split('/')
        .skip(2)
        .collect();
    let (id, action) = match segments.as_slice() {
        [id] => (*id, None),
        [id, action] => (*id, Some(*action)),
        _ => {
            return page(
                404,
                "Not found",
                "<h1>This checkout link is not valid.</h1>",
            )
        }
    };
    let Ok(mut intent) = account.load_intent(id) else {
        return page(404, "Not found", "<h1>This checkout link is not valid.</h1><p>No payment with this id exists in this sandbox.</p>");
    };
    let base = format!("/checkout/{}?account={}", intent.id, ctx.account);
    let action_url = |name: &str| {
        escape(&format!(
            "/checkout/{}/{name}?account={}",
            intent.id, ctx.account
        ))
    };
    match (method, action) {
        ("GET", None) => {}
        ("POST", Some("pay")) => {
            if intent.status == "created" {
                let confirm_at = now + account.config.confirm_delay_ms;
                if account
                    .transition_atomically(&mut intent, "pending", Some(confirm_at), now)
                    .is_err()
                {
                    return page(
                        500,
                        "Error",
                        "<h1>Something went wrong.</h1><p>Nothing was charged. Try again.</p>",
                    );
                }
                return Reply::redirect(intent.success_url.as_deref().unwrap_or(&base));
            }
        }
        ("POST", Some("cancel")) => {
            // Cancelling leaves the intent open (the customer may come back) until it expires.
            if intent.status == "created" {
                return Reply::redirect(intent.cancel_url.as_deref().unwrap_or(&base));
            }
        }
        _ => {
            return page(
                404,
                "Not found",
                "<h1>This checkout link is not valid.</h1>",
            )
        }
    }
    let summary = intent_summary(&intent);
    match intent.status.as_str() {
        "created" => page(
            200,
            "Pay",
            &format!(
                "<h1>Complete your payment</h1>{summary}\
<form method=\"post\" action=\"{pay}\" style=\"display:inline\"><button type=\"submit\" id=\"pay\">Pay</button></form>\
<form method=\"post\" action=\"{cancel}\" style=\"display:inline\"><button type=\"submit\" id=\"cancel\">Cancel</button></form>",
                pay = action_url("pay"),
                cancel = action_url("cancel"),
            ),
        ),
        "pending" => page(200, "Payment received", &format!("<h1 data-status=\"pending\">Payment received</h1>{summary}<p>Waiting for the transfer to become final.</p>")),
        "confirmed" => page(200, "Paid", &format!("<h1 data-status=\"confirmed\">Payment confirmed</h1>{summary}")),
        "expired" => page(410, "Expired", &format!("<h1 data-status=\"expired\">This checkout has expired.</h1>{summary}<p>No payment was taken. Ask the merchant for a new link.</p>")),
        other => page(200, "Status", &format!("<h1>Status: {}</h1>", escape(other))),
    }
}
