// Progressive enhancement only: every page works without this file.
// Show-password toggles and copy buttons.
// Show-password toggles: a button with data-toggle="<input id>" switches that input between hidden
// and visible text. The buttons are hidden in the HTML and revealed here, so that without
// JavaScript no dead button shows.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-toggle]")) {
    const input = document.getElementById(button.dataset.toggle);
    if (!input) continue;
    button.hidden = false;
    button.setAttribute("aria-controls", input.id);
    button.setAttribute("aria-pressed", "false");
    button.addEventListener("click", () => {
      const show = input.type === "password";
      input.type = show ? "text" : "password";
      button.textContent = show ? button.dataset.hide : button.dataset.show;
      button.setAttribute("aria-pressed", String(show));
    });
  }
  // Copy buttons: data-copy holds the text (the TOTP key without spaces), data-done the thanks.
  for (const button of document.querySelectorAll("button[data-copy]")) {
    if (!navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      try {
        await navigator.clipboard.writeText(button.dataset.copy);
        button.textContent = button.dataset.done;
      } catch (_) {
        // Clipboard refused (permissions): the key stays visible to copy by hand.
      }
    });
  }
});
