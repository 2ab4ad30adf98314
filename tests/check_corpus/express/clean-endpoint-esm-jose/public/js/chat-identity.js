// Keeps the chat widget's visitor in step with this SPA's sign-in.
async function syncChatIdentity() {
  const widget = window.BestChatBot;
  if (!widget) return;
  const response = await fetch("/api/widget-token", { credentials: "same-origin" });
  if (!response.ok) {
    widget.clearUserToken();
    return;
  }
  const { token } = await response.json();
  if (token) widget.setUserToken(token);
  else widget.clearUserToken();
}

document.addEventListener("wiki:signed-in", syncChatIdentity);
document.addEventListener("wiki:signed-out", () => window.BestChatBot?.clearUserToken());
syncChatIdentity();
