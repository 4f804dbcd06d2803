// Security keys (WebAuthn): the browser half of registering a key and of logging in with one.
//
// A box with data-webauthn="register" or "login" holds a start button, a status line and a hidden
// form. The button asks the server for options (POST data-start-url with the CSRF value), hands them
// to navigator.credentials.create() or .get(), and posts the key's answer through the hidden form;
// the server answers with the next page. Messages come from the box's data-msg-* attributes, so
// they are in the page's language. No inline script: the page's CSP allows only this file.
"use strict";

(() => {
  const fromB64url = (text) => {
    const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
    const binary = atob(b64 + "===".slice((b64.length + 3) % 4));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
  };
  const toB64url = (buffer) => {
    let binary = "";
    for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
    return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  };
  // The server's JSON writes absent options as null; WebAuthn wants them left out.
  const withoutNulls = (text) => JSON.parse(text, (_, value) => (value === null ? undefined : value));

  const registration = (credential) => ({
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    response: {
      attestationObject: toB64url(credential.response.attestationObject),
      clientDataJSON: toB64url(credential.response.clientDataJSON),
      transports: credential.response.getTransports ? credential.response.getTransports() : undefined,
    },
    extensions: credential.getClientExtensionResults(),
  });

  const assertion = (credential) => ({
    id: credential.id,
    rawId: toB64url(credential.rawId),
    type: credential.type,
    response: {
      authenticatorData: toB64url(credential.response.authenticatorData),
      clientDataJSON: toB64url(credential.response.clientDataJSON),
      signature: toB64url(credential.response.signature),
      userHandle: credential.response.userHandle ? toB64url(credential.response.userHandle) : undefined,
    },
    extensions: credential.getClientExtensionResults(),
  });

  const setUp = (box) => {
    const mode = box.dataset.webauthn;
    const button = box.querySelector("button[data-start]");
    const status = box.querySelector("[data-status]");
    const form = box.querySelector("form[data-finish]");
    if (!button || !status || !form) return;
    const say = (text, isError) => {
      status.textContent = text;
      status.hidden = false;
      status.classList.toggle("error", Boolean(isError));
    };
    if (!window.PublicKeyCredential || !navigator.credentials) {
      say(box.dataset.msgUnsupported, true);
      button.disabled = true;
      return;
    }
    button.hidden = false;
    button.addEventListener("click", async () => {
      button.disabled = true;
      say(box.dataset.msgWaiting, false);
      let started = 0;
      let timeout = 0;
      try {
        const reply = await fetch(box.dataset.startUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { Accept: "application/json" },
          body: new URLSearchParams({ csrf: form.elements.csrf.value }),
        });
        const data = withoutNulls(await reply.text());
        if (!reply.ok) {
          say(data.error || box.dataset.msgFailed, true);
          button.disabled = false;
          return;
        }
        const options = data.options.publicKey;
        options.challenge = fromB64url(options.challenge);
        timeout = options.timeout || 0;
        started = Date.now();
        let answer;
        if (mode === "register") {
          options.user.id = fromB64url(options.user.id);
          for (const c of options.excludeCredentials || []) c.id = fromB64url(c.id);
          answer = registration(await navigator.credentials.create({ publicKey: options }));
        } else {
          for (const c of options.allowCredentials || []) c.id = fromB64url(c.id);
          answer = assertion(await navigator.credentials.get({ publicKey: options }));
        }
        say(box.dataset.msgChecking, false);
        form.elements.ceremony.value = data.ceremony;
        form.elements.credential.value = JSON.stringify(answer);
        form.submit();
      } catch (error) {
        button.disabled = false;
        const name = error && error.name;
        if (name === "InvalidStateError") {
          say(box.dataset.msgDuplicate, true);
        } else if (name === "NotAllowedError" || name === "AbortError") {
          const timedOut = timeout > 0 && Date.now() - started >= timeout - 2000;
          say(timedOut ? box.dataset.msgTimeout : box.dataset.msgCancelled, true);
        } else if (name === "SecurityError") {
          say(box.dataset.msgSecurity, true);
        } else {
          say(box.dataset.msgFailed, true);
        }
      }
    });
  };

  document.addEventListener("DOMContentLoaded", () => {
    for (const box of document.querySelectorAll("[data-webauthn]")) setUp(box);
  });
})();
