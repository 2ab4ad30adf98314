"use client";

import { onIdTokenChanged } from "firebase/auth";
import { useEffect } from "react";

import { auth } from "@/lib/firebase-client";

export default function ChatIdentity() {
  useEffect(
    () =>
      onIdTokenChanged(auth, async (user) => {
        if (!user || user.isAnonymous) {
          window.BestChatBot?.clearUserToken();
          return;
        }
        const idToken = await user.getIdToken();
        const response = await fetch("/api/widget-token", {
          headers: { Authorization: `Bearer ${idToken}` },
        });
        const { token } = await response.json();
        if (token) window.BestChatBot?.setUserToken(token);
      }),
    [],
  );
  return null;
}
