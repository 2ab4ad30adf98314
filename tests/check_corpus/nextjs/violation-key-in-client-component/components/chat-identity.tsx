"use client";

import { useUser } from "@clerk/nextjs";
import { useEffect } from "react";

import { widgetToken } from "@/lib/widget";

export function ChatIdentity() {
  const { isLoaded, user } = useUser();

  useEffect(() => {
    if (!isLoaded) return;
    const email = user?.primaryEmailAddress?.emailAddress;
    if (!user || !email) {
      window.BestChatBot?.clearUserToken();
      return;
    }
    const token = widgetToken({ email, fullName: user.fullName, id: user.id });
    if (token) window.BestChatBot?.setUserToken(token);
  }, [isLoaded, user]);

  return null;
}
