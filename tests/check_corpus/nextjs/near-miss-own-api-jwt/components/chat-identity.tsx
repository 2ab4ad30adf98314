"use client";

import { useAuth } from "@clerk/nextjs";
import { useEffect } from "react";

export function ChatIdentity() {
  const { isSignedIn } = useAuth();
  useEffect(() => {
    if (isSignedIn === undefined) return;
    if (!isSignedIn) {
      window.BestChatBot?.clearUserToken();
      return;
    }
    void (async () => {
      const response = await fetch("/api/widget-token", { cache: "no-store" });
      const { token } = await response.json();
      if (token) window.BestChatBot?.setUserToken(token);
    })();
  }, [isSignedIn]);
  return null;
}
