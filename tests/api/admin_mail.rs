//! Mail in the moderators' page, in headless Chromium: the admins' Outbox
//! view (what failed, retried or dropped) and the digest address (an
//! admin's for any account, everyone's own).

use crate::admin_page::{errors, fits_the_width, open_signed_in, type_into};
use crate::browser::Browser;
use crate::helpers::{Moderator, spawn_app};
use crate::mail::failed_item;
use colloquy::domain::outbox::Channel;
use fantoccini::Locator;
use serde_json::{Value, json};

/// Clicks the element matching `css`.
async fn click(b: &Browser, css: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

/// Replaces the value of the field matching `css` by typing `text`.
async fn retype(b: &Browser, css: &str, text: &str) {
    b.client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .clear()
        .await
        .unwrap();
    type_into(b, css, text).await;
}

/// Waits until the outbox view has loaded what was last asked for.
async fn outbox_ready(b: &Browser, what: &str, condition: &str) {
    b.wait_for(
        what,
        &format!(
            "return document.body.dataset.view === 'outbox' && document.body.dataset.outbox === 'ready' && ({condition})"
        ),
    )
    .await;
}

/// The outbox's rows: id, and each cell's text by its column's label.
async fn outbox_rows(b: &Browser) -> Value {
    b.eval(
        "return [...document.querySelectorAll('#outbox-table tbody tr')].map((r) => { \
           const row = { id: Number(r.dataset.id) }; \
           for (const td of r.cells) row[td.dataset.label] = td.textContent; \
           return row; })",
    )
    .await
}

/// The counts beside the state filter, as shown.
async fn counts(b: &Browser) -> Value {
    b.eval(
        "return Object.fromEntries([...document.querySelectorAll('#outbox-states [data-count]')] \
           .map((s) => [s.dataset.count, s.textContent]))",
    )
    .await
}

/// Whether outbox item `id` is in `state`, as the API says.
async fn is_in(api: &Moderator, state: &str, id: i32) -> bool {
    let (_, list) = api.get(&format!("/moderation/outbox?state={state}")).await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["id"] == id)
}

#[tokio::test]
async fn an_admin_sees_what_failed_retries_one_drops_another_and_a_moderator_sees_no_outbox() {
    let app = spawn_app().await;
    app.create_account("boss", "admin");
    app.create_account("mod", "moderator");
    let api = app.signed_in("admin").await;
    let hostile = "<img src=x onerror=\"window.pwned=1\"> 550 mailbox unavailable";
    let mail = failed_item(
        &app,
        Channel::Mail,
        "confirm",
        "reader.with.a.rather.long.address@subdomain.example.org",
        hostile,
    );
    let hook = failed_item(
        &app,
        Channel::Webhook,
        "comment.approved",
        "http://127.0.0.1:9/a/rather/long/path/to/the/hook/without/any/break/0123456789",
        "connection refused",
    );

    let b = open_signed_in(&app, "boss", 300).await;
    assert_eq!(
        b.eval("return document.querySelector('#nav [data-view=outbox]').parentElement.hidden")
            .await,
        json!(false),
        "an admin sees the Outbox view"
    );
    click(&b, "#nav [data-view=outbox]").await;
    outbox_ready(
        &b,
        "two failed items",
        "document.querySelectorAll('#outbox-table tbody tr').length === 2",
    )
    .await;
    assert_eq!(
        b.eval("return document.querySelector('#outbox-states input:checked').value")
            .await,
        json!("failed"),
        "failed by default"
    );
    assert_eq!(
        counts(&b).await,
        json!({"failed": "(2)", "due": "(0)", "sent": "(0)", "dropped": "(0)"})
    );
    let rows = outbox_rows(&b).await;
    let by_id = |id: i32| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("item {id} in {rows}"))
            .clone()
    };
    let mail_row = by_id(mail);
    assert_eq!(mail_row["Kind"], "confirm", "{mail_row}");
    assert_eq!(mail_row["Channel"], "mail", "{mail_row}");
    assert_eq!(
        mail_row["Recipient"],
        "reader.with.a.rather.long.address@subdomain.example.org"
    );
    assert_eq!(mail_row["Tries"], "12");
    assert_eq!(mail_row["Last error"], hostile, "the error, as text");
    assert!(
        mail_row["When"].as_str().unwrap().starts_with("gave up"),
        "{mail_row}"
    );
    assert!(
        mail_row["Actions"].as_str().unwrap().contains("Retry"),
        "{mail_row}"
    );
    assert_eq!(by_id(hook)["Channel"], "webhook");
    assert_eq!(
        b.eval(
            "return document.querySelectorAll('#outbox-table img').length + (window.pwned ? 1 : 0)"
        )
        .await,
        json!(0),
        "no markup from an error reaches the page"
    );

    // Retry the mail: it leaves the failed list and waits to be sent.
    click(
        &b,
        &format!("#outbox-table tr[data-id='{mail}'] [data-act=retry]"),
    )
    .await;
    outbox_ready(
        &b,
        "one failed item left",
        &format!(
            "document.querySelectorAll('#outbox-table tbody tr').length === 1 \
             && document.querySelector('#outbox-table tbody tr').dataset.id === '{hook}'"
        ),
    )
    .await;
    assert_eq!(
        counts(&b).await,
        json!({"failed": "(1)", "due": "(1)", "sent": "(0)", "dropped": "(0)"})
    );
    assert!(is_in(&api, "due", mail).await, "the retried item is due");
    b.wait_for(
        "the toast",
        "return document.getElementById('toasts').textContent.includes('due again')",
    )
    .await;

    // Drop asks first; Keep it keeps it.
    let drop_button = format!("#outbox-table tr[data-id='{hook}'] [data-act=drop]");
    click(&b, &drop_button).await;
    b.wait_for(
        "the confirmation",
        "return document.activeElement.dataset.act === 'drop-cancel' \
         && document.querySelector('#outbox-table [data-act=drop-confirm]') !== null",
    )
    .await;
    click(&b, "#outbox-table [data-act=drop-cancel]").await;
    b.wait_for(
        "the buttons back",
        "return document.querySelector('#outbox-table [data-act=drop-confirm]') === null \
         && document.activeElement.dataset.act === 'drop'",
    )
    .await;
    assert!(is_in(&api, "failed", hook).await, "kept");
    click(&b, &drop_button).await;
    click(&b, "#outbox-table [data-act=drop-confirm]").await;
    outbox_ready(
        &b,
        "the empty state",
        "document.getElementById('outbox-table').hidden && !document.getElementById('outbox-empty').hidden",
    )
    .await;
    assert_eq!(
        b.eval("return document.getElementById('outbox-empty').textContent")
            .await,
        json!("Nothing has failed.")
    );
    assert_eq!(
        counts(&b).await,
        json!({"failed": "(0)", "due": "(1)", "sent": "(0)", "dropped": "(1)"})
    );
    assert!(is_in(&api, "dropped", hook).await, "dropped");

    // The other states, through the filter: no buttons there.
    click(&b, "#outbox-states input[value=dropped]").await;
    outbox_ready(
        &b,
        "the dropped item",
        &format!("document.querySelector('#outbox-table tbody tr')?.dataset.id === '{hook}'"),
    )
    .await;
    assert_eq!(
        b.eval("return document.querySelectorAll('#outbox-table button').length")
            .await,
        json!(0)
    );
    click(&b, "#outbox-states input[value=due]").await;
    outbox_ready(
        &b,
        "the retried item",
        &format!("document.querySelector('#outbox-table tbody tr')?.dataset.id === '{mail}'"),
    )
    .await;
    let due = outbox_rows(&b).await;
    assert_eq!(due[0]["Tries"], "0", "tries counted afresh: {due}");
    assert!(
        due[0]["When"].as_str().unwrap().starts_with("next try"),
        "{due}"
    );

    // On a phone the rows are cards that name their columns.
    b.client.set_window_size(390, 844).await.unwrap();
    b.wait_for("a 390 px wide window", "return innerWidth === 390")
        .await;
    fits_the_width(&b, "the outbox").await;
    assert_eq!(
        b.eval(
            "const t = document.getElementById('outbox-table'); \
             return [getComputedStyle(t.tHead).display, getComputedStyle(t.tBodies[0].rows[0]).display, \
                     getComputedStyle(t.querySelector('td[data-label=Recipient]'), '::before').content]"
        )
        .await,
        json!(["none", "block", "\"Recipient\""])
    );
    assert_eq!(errors(&b).await, json!([]));
    // One browser at a time: two tests each holding a browser slot and
    // waiting for a second would wait for each other.
    drop(b);

    // A moderator has no Outbox view, not even by its address.
    let m = open_signed_in(&app, "mod", 300).await;
    assert_eq!(
        m.eval("return document.querySelector('#nav [data-view=outbox]').parentElement.hidden")
            .await,
        json!(true),
        "a moderator sees no Outbox view"
    );
    m.eval("location.hash = '#outbox'; return 1").await;
    m.wait_for(
        "the queue instead",
        "return document.body.dataset.view === 'queue' && document.getElementById('view-outbox').hidden",
    )
    .await;
    assert_eq!(errors(&m).await, json!([]));
}

/// The digest address of `username`, as the API says.
async fn address_of(api: &Moderator, username: &str) -> Value {
    let (_, list) = api.get("/moderation/accounts").await;
    list["accounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .unwrap()["email"]
        .clone()
}

#[tokio::test]
async fn an_admin_sets_another_accounts_digest_address_and_a_moderator_sets_their_own() {
    let app = spawn_app().await;
    app.create_account("boss", "admin");
    app.create_account("mod", "moderator");
    let api = app.signed_in("admin").await;

    let b = open_signed_in(&app, "boss", 300).await;
    b.eval("location.hash = '#accounts'; return 1").await;
    let field = "#accounts-table input[aria-label='Digest address of mod']";
    b.wait_for(
        "the accounts with their addresses",
        &format!("return document.querySelector(\"{field}\") !== null"),
    )
    .await;
    type_into(&b, field, "mod@example.org").await;
    click(
        &b,
        "#accounts-table button[aria-label='Save the digest address of mod']",
    )
    .await;
    b.wait_for(
        "the address saved",
        "return document.querySelector(\"#accounts-table button[aria-label='Remove the digest address of mod']\") !== null",
    )
    .await;
    assert_eq!(address_of(&api, "mod").await, "mod@example.org");
    assert_eq!(
        b.eval(&format!("return document.querySelector(\"{field}\").value"))
            .await,
        json!("mod@example.org")
    );

    // The server's refusal is shown beside the field; nothing changes.
    retype(&b, field, "not an address").await;
    click(
        &b,
        "#accounts-table button[aria-label='Save the digest address of mod']",
    )
    .await;
    let error = b
        .wait_for(
            "the field's error",
            &format!(
                "const input = document.querySelector(\"{field}\"); \
                 const box = document.getElementById(input.getAttribute('aria-describedby')); \
                 return input.getAttribute('aria-invalid') === 'true' && input.form.contains(box) && box.textContent"
            ),
        )
        .await;
    assert_eq!(error, json!("This address is not a valid e-mail address."));
    assert_eq!(address_of(&api, "mod").await, "mod@example.org");

    // Remove clears it.
    click(
        &b,
        "#accounts-table button[aria-label='Remove the digest address of mod']",
    )
    .await;
    b.wait_for(
        "the address removed",
        &format!(
            "return document.querySelector(\"#accounts-table button[aria-label='Remove the digest address of mod']\") === null \
             && document.querySelector(\"{field}\").value === ''"
        ),
    )
    .await;
    assert_eq!(address_of(&api, "mod").await, Value::Null);

    // At a phone's width the accounts are cards too.
    b.client.set_window_size(390, 844).await.unwrap();
    b.wait_for("a 390 px wide window", "return innerWidth === 390")
        .await;
    fits_the_width(&b, "the accounts").await;
    assert_eq!(errors(&b).await, json!([]));
    // One browser at a time: two tests each holding a browser slot and
    // waiting for a second would wait for each other.
    drop(b);

    // The moderator sets their own, from the header.
    let m = open_signed_in(&app, "mod", 300).await;
    click(&m, "#digest-open").await;
    m.wait_for(
        "the dialog, empty",
        "return document.getElementById('digest').open && document.getElementById('digest-email').value === ''",
    )
    .await;
    type_into(&m, "#digest-email", "nope").await;
    click(&m, "#digest-form button[type=submit]").await;
    let error = m
        .wait_for(
            "the field's error",
            "return document.getElementById('digest-email').getAttribute('aria-invalid') === 'true' \
             && document.getElementById('digest-email-error').textContent",
        )
        .await;
    assert_eq!(error, json!("This address is not a valid e-mail address."));
    assert_eq!(
        m.eval("return document.getElementById('digest').open")
            .await,
        json!(true),
        "the dialog stays open"
    );
    assert_eq!(address_of(&api, "mod").await, Value::Null);
    retype(&m, "#digest-email", " mine@example.org ").await;
    click(&m, "#digest-form button[type=submit]").await;
    m.wait_for(
        "the dialog closed",
        "return !document.getElementById('digest').open",
    )
    .await;
    assert_eq!(address_of(&api, "mod").await, "mine@example.org");
    m.wait_for(
        "the toast",
        "return document.getElementById('toasts').textContent.includes('Your digest address is now mine@example.org')",
    )
    .await;
    // Opened again, it shows the address, and the error is gone.
    click(&m, "#digest-open").await;
    m.wait_for(
        "the dialog with the address",
        "return document.getElementById('digest').open && document.getElementById('digest-email').value === 'mine@example.org' \
         && document.getElementById('digest-email-error').textContent === '' \
         && !document.getElementById('digest-email').hasAttribute('aria-invalid')",
    )
    .await;
    assert_eq!(errors(&m).await, json!([]));

    // After a reload the page knows it from /auth/me.
    m.client
        .goto(&format!("{}/admin/", app.address))
        .await
        .unwrap();
    m.wait_for(
        "the page again",
        "return document.body.dataset.state === 'ready' && !document.getElementById('who').hidden",
    )
    .await;
    click(&m, "#digest-open").await;
    m.wait_for(
        "the address from /auth/me",
        "return document.getElementById('digest-email').value === 'mine@example.org'",
    )
    .await;
}
