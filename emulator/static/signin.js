// The demo sign-in bar of the local playground's pages (GraphiQL at /graphql, stream health at /health).
// It fills the page's <div id="bar" data-title="…">, signs in through /local/sign-in (Cognito
// USER_PASSWORD_AUTH on the local pool) and keeps the sign-in in localStorage ("ugc.auth"), so signing
// in on one page serves both. Pages read `UGCAuth.state` ({mode: "apiKey"} or {mode: "user", username,
// idToken}), build request headers with `UGCAuth.headers()` and hear changes with `UGCAuth.onChange(f)`.
// Needs `window.UGC` (the stack's configuration, filled in by the server) before it.
"use strict";
window.UGCAuth = (() => {
  const cfg = window.UGC;
  const $ = (id) => document.getElementById(id);
  const style = document.createElement("style");
  style.textContent = `
    #bar { display: flex; gap: .5rem; align-items: center; padding: .5rem .75rem; background: #1f2430; color: #e6e6e6; font-size: 14px; flex-wrap: wrap; }
    #bar select, #bar input, #bar button { font: inherit; padding: .2rem .4rem; }
    #bar .who { margin-left: auto; font-weight: 600; }`;
  document.head.appendChild(style);
  const bar = $("bar");
  bar.innerHTML = `<strong></strong>
    <label>Sign in as <select id="user"></select></label>
    <input id="username" placeholder="username" size="10" />
    <input id="password" type="password" placeholder="password" size="10" />
    <button id="signin">Sign in</button>
    <button id="anon">Anonymous (API key)</button>
    <span class="who" id="who"></span>`;
  bar.querySelector("strong").textContent = bar.dataset.title || "UGC local AppSync";

  const state = JSON.parse(localStorage.getItem("ugc.auth") || "null") || { mode: "apiKey" };
  const listeners = [];
  function show() {
    $("who").textContent = state.mode === "user" ? `signed in as ${state.username} (Cognito user pool)` : "anonymous (API key)";
  }
  function changed() {
    localStorage.setItem("ugc.auth", JSON.stringify(state));
    show();
    for (const listener of listeners) listener(state);
  }
  for (const name of ["", ...cfg.demoUsers]) {
    const option = document.createElement("option");
    option.value = name; option.textContent = name || "(other)";
    $("user").appendChild(option);
  }
  $("user").addEventListener("change", () => {
    $("username").value = $("user").value;
    if ($("user").value && cfg.demoPassword) $("password").value = cfg.demoPassword;
  });
  $("signin").addEventListener("click", async () => {
    const r = await fetch("/local/sign-in", { method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: $("username").value, password: $("password").value }) });
    const body = await r.json();
    if (!r.ok) { alert(body.message || "sign-in failed"); return; }
    Object.assign(state, { mode: "user", username: $("username").value, idToken: body.idToken });
    changed();
  });
  $("anon").addEventListener("click", () => { state.mode = "apiKey"; delete state.idToken; delete state.username; changed(); });
  show();

  return {
    state,
    onChange(listener) { listeners.push(listener); },
    // A GraphQL request's headers: the signed-in user's ID token, else the API key.
    headers() {
      const headers = { "content-type": "application/json" };
      if (state.mode === "user" && state.idToken) headers.authorization = state.idToken;
      else headers["x-api-key"] = cfg.apiKey;
      return headers;
    },
  };
})();
