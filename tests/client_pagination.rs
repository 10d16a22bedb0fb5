//! Walking every page of a list with `Pager`: each request starts after the last id of the
//! page before, and the walk ends on `has_more: false` (or on a server that repeats itself).

use kunog::client::{HttpResponse, KunogClient, List, ListParams, Pager, Step, WebhookEndpoint};
use kunog::PaymentIntent;

const NOW: u64 = 1_764_806_400_000;

fn client() -> KunogClient {
    KunogClient::new("kng_test_4eC39HqLyjWDarjtT1zdp7dc").unwrap()
}

fn intent_id(n: usize) -> String {
    format!("pi_{n:0>22}")
}

/// A fake server holding `total` intents, newest first, answering a list URL.
fn serve(url: &str, total: usize) -> String {
    let query = url.split_once('?').map_or("", |(_, q)| q);
    let mut limit = 10;
    let mut start = 0;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        match pair.split_once('=') {
            Some(("limit", value)) => limit = value.parse().unwrap(),
            Some(("starting_after", id)) => start = (0..total).position(|n| intent_id(n) == id).unwrap() + 1,
            other => panic!("unexpected query part {other:?}"),
        }
    }
    let end = (start + limit).min(total);
    let data: Vec<String> = (start..end)
        .map(|n| {
            format!(
                r#"{{"id":"{}","object":"payment_intent","status":"created","amount":{},"currency":"USD"}}"#,
                intent_id(n),
                n + 1
            )
        })
        .collect();
    format!(r#"{{"object":"list","data":[{}],"has_more":{}}}"#, data.join(","), end < total)
}

fn fetch_page(client: &KunogClient, params: &ListParams, total: usize, urls: &mut Vec<String>) -> List<PaymentIntent> {
    let mut call = client.list_payment_intents(params).unwrap();
    let url = call.attempt(NOW).unwrap().request.url.clone();
    let body = serve(&url, total);
    urls.push(url);
    match call.on_response(Ok(HttpResponse::new(200, body.as_bytes())), NOW, 0.5) {
        Step::Done(page) => page.unwrap(),
        Step::Retry { .. } => panic!("retried a 200"),
    }
}

#[test]
fn every_page_is_visited_once_in_order() {
    for (total, limit, pages) in [(25, 10, 3), (20, 10, 2), (0, 10, 1), (1, 1, 1), (100, 100, 1), (101, 100, 2)] {
        let client = client();
        let mut pager = Pager::new(ListParams::with_limit(limit));
        let mut seen = Vec::new();
        let mut urls = Vec::new();
        while let Some(params) = pager.next_params() {
            let page = fetch_page(&client, params, total, &mut urls);
            seen.extend(page.data.iter().map(|pi| pi.id.clone()));
            pager.advance_past(&page);
        }
        assert_eq!(seen, (0..total).map(intent_id).collect::<Vec<_>>(), "total {total}, limit {limit}");
        assert_eq!(urls.len(), pages, "total {total}, limit {limit}");
        assert_eq!(urls[0], format!("https://api.kunog.com/v1/payment_intents?limit={limit}"));
        for (index, url) in urls.iter().enumerate().skip(1) {
            let last_of_previous = intent_id(index * limit as usize - 1);
            assert_eq!(
                url,
                &format!("https://api.kunog.com/v1/payment_intents?limit={limit}&starting_after={last_of_previous}")
            );
        }
    }
}

#[test]
fn a_walk_can_resume_from_a_cursor() {
    let mut pager = Pager::new(ListParams { limit: Some(5), starting_after: Some(intent_id(9)) });
    let mut urls = Vec::new();
    let mut seen = Vec::new();
    while let Some(params) = pager.next_params() {
        let page = fetch_page(&client(), params, 17, &mut urls);
        seen.extend(page.data.iter().map(|pi| pi.id.clone()));
        pager.advance_past(&page);
    }
    assert_eq!(seen, (10..17).map(intent_id).collect::<Vec<_>>());
}

#[test]
fn a_server_that_repeats_itself_cannot_loop_the_walk() {
    let repeating = List::<WebhookEndpoint> {
        object: "list".into(),
        data: vec![WebhookEndpoint {
            id: "we_aaaaaaaaaaaaaaaaaaaaaa".into(),
            object: "webhook_endpoint".into(),
            url: "https://x.test/".into(),
            enabled_events: vec![],
            secret: None,
            livemode: false,
            created: 0,
        }],
        has_more: true,
    };
    let mut pager = Pager::new(ListParams::default());
    let mut requests = 0;
    while let Some(params) = pager.next_params() {
        client().list_webhook_endpoints(params).unwrap();
        requests += 1;
        assert!(requests < 10, "looping");
        pager.advance_past(&repeating);
    }
    assert_eq!(requests, 2);

    let mut pager = Pager::new(ListParams::default());
    pager.advance_past(&List::<PaymentIntent> { object: "list".into(), data: vec![], has_more: true });
    assert!(pager.next_params().is_none(), "an empty page with has_more must end the walk");
}
