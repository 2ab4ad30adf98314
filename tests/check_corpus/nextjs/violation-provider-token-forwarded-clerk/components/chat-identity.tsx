"use client";

import { useAuth } from "@clerk/nextjs";
import { useEffect } from "react";

// Clerk already issues a JWT for the signed-in user: hand it to the widget.
export function ChatIdentity() {
  const { isLoaded, isSignedIn, getToken } = useAuth();

  useEffect(() => {
    if (!isLoaded) return;
    if (!isSignedIn) {
      window.BestChatBot?.clearUserToken();
      return;
    }
    getToken().then((token) => {
      if (token) window.BestChatBot?.setUserToken(token); // expect: provider-token-forwarded
    });
  }, [isLoaded, isSignedIn, getToken]);

  return null;
}
