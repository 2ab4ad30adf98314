import { getAuth, onIdTokenChanged, signInAnonymously } from "https://www.gstatic.com/firebasejs/11.9.0/firebase-auth.js";

const auth = getAuth();
document.querySelector("#guest")?.addEventListener("click", () => signInAnonymously(auth));

onIdTokenChanged(auth, async (user) => {
  if (!user) return window.BestChatBot?.clearUserToken();
  const response = await fetch("/api/widget-token", {
    headers: { Authorization: `Bearer ${await user.getIdToken()}` },
  });
  const { token } = await response.json();
  if (token) window.BestChatBot?.setUserToken(token);
  else window.BestChatBot?.clearUserToken();
});

const tag = document.createElement("script");
tag.src = "https://widget.bestchatbot.io/widget/v1/chat.js";
tag.dataset.apiKey = "pk_dogs";
document.body.append(tag);
