"use client";

import { useSession } from "next-auth/react";
import { useEffect } from "react";

export default function WidgetIdentity() {
  const { status } = useSession();

  useEffect(() => {
    if (status === "loading") return;
    if (status !== "authenticated") {
      window.BestChatBot?.clearUserToken();
      return;
    }
    fetch("/api/widget-token", { cache: "no-store" })
      .then((response) => (response.ok ? response.json() : { token: null }))
      .then(({ token }: { token: string | null }) => {
        if (token) window.BestChatBot?.setUserToken(token);
        else window.BestChatBot?.clearUserToken();
      });
  }, [status]);

  return null;
}
