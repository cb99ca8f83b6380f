// jichi counter: progressive enhancement only. Every page works without this file.
// Search as you type: the search form posts to its data-live-search URL (an HTML
// fragment) 250 ms after the last keystroke; the count is announced politely.
"use strict";
(function () {
  const form = document.querySelector("form[data-live-search]");
  if (!form) return;
  const results = document.getElementById("results");
  const status = document.getElementById("results-status");
  let timer = 0;
  let latest = 0;
  async function refresh() {
    const mine = ++latest;
    const body = new FormData(form);
    let response;
    try {
      response = await fetch(form.dataset.liveSearch, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": String(body.get("csrf_token") || "") },
      });
    } catch (error) {
      return; // the clerk can still press 検索
    }
    if (mine !== latest) return; // an older answer arrived late
    if (response.redirected || !response.ok) {
      status.textContent = "検索できませんでした。検索ボタンを押してください。";
      return;
    }
    results.innerHTML = await response.text();
    const summary = results.querySelector("[data-status]");
    status.textContent = summary ? summary.dataset.status : "";
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  });
})();

// 広域交付: the status page asks every 5 s whether the 住所地's answer arrived and,
// when it did, says so politely and points to 「最新の状態を表示」 (no reload by itself).
(function () {
  const box = document.querySelector("[data-poll]");
  if (!box) return;
  const shown = box.dataset.status;
  function later() {
    window.setTimeout(check, 5000);
  }
  async function check() {
    let response;
    try {
      response = await fetch(box.dataset.poll, {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
      });
    } catch (error) {
      later();
      return;
    }
    if (response.redirected || !response.ok) return;
    const data = await response.json();
    if (data.status === shown) {
      later();
      return;
    }
    box.textContent =
      "住所地から返事が届きました（" + data.label + "）。「最新の状態を表示」を押してください。";
  }
  later();
})();

// 「記録する」: one click records; a second click while the page loads is ignored (the
// server records once anyway: the pending notification carries an idempotency key).
document.querySelectorAll("form button[data-once]").forEach((button) => {
  button.form.addEventListener("submit", (event) => {
    if (button.dataset.sent) {
      event.preventDefault();
      return;
    }
    if (event.submitter === button) button.dataset.sent = "1";
  });
});
