// Progressive enhancement only: every page works without this file.

// A one-time page that Back brings out of the browser's page cache would show its secret
// again: ask the server instead, which says it was shown.
window.addEventListener("pageshow", (event) => {
  if (event.persisted && document.querySelector("code.secret")) location.reload();
});
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const target = document.getElementById(button.dataset.copy);
    if (!target || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(("value" in target ? target.value : target.textContent).trim());
      button.textContent = "Copied";
    });
  }

  // Keep "Open in email" in step with an edited draft.
  const link = document.getElementById("open-in-email");
  const subject = document.querySelector("[data-mail=subject]");
  const body = document.querySelector("[data-mail=body]");
  if (link && subject && body) {
    const update = () => {
      link.href = "mailto:?subject=" + encodeURIComponent(subject.value) + "&body=" + encodeURIComponent(body.value);
    };
    subject.addEventListener("input", update);
    body.addEventListener("input", update);
  }

  // Domain availability as the prefix is typed; the server checks again on every step.
  for (const input of document.querySelectorAll("input[data-domain-check]")) {
    const status = document.getElementById(input.dataset.domainCheck);
    if (!status) continue;
    let timer = null;
    let latest = 0;
    const check = async () => {
      const prefix = input.value.trim();
      const asked = ++latest;
      if (prefix === "") {
        status.textContent = "";
        return;
      }
      try {
        const response = await fetch("/customers/domain-check?prefix=" + encodeURIComponent(prefix), {
          headers: { Accept: "application/json" },
          credentials: "same-origin",
        });
        if (!response.ok || asked !== latest) return;
        const result = await response.json();
        status.textContent = result.message;
        status.className = result.available ? "ok" : "error";
      } catch (_) {
        // Offline or signed out: the step's own check still runs on Next.
      }
    };
    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(check, 250);
    });
  }
});
