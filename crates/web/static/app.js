// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", () => {
  for (const button of document.querySelectorAll("button[data-copy]")) {
    const target = document.getElementById(button.dataset.copy);
    if (!target || !navigator.clipboard) continue;
    button.hidden = false;
    button.addEventListener("click", async () => {
      await navigator.clipboard.writeText(("value" in target ? target.value : target.textContent).trim());
      button.textContent = "Copied";
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
});
