"use client";

import { useEffect } from "react";

import { createClient } from "@/lib/supabase/client";

async function syncWidget() {
  const response = await fetch("/api/widget-token", { cache: "no-store" });
  const body = response.ok ? await response.json() : { token: null };
  if (body.token) window.BestChatBot?.setUserToken(body.token);
  else window.BestChatBot?.clearUserToken();
}

export default function ChatIdentity() {
  useEffect(() => {
    const supabase = createClient();
    const { data } = supabase.auth.onAuthStateChange((event) => {
      if (event === "SIGNED_OUT") window.BestChatBot?.clearUserToken();
      else syncWidget();
    });
    return () => data.subscription.unsubscribe();
  }, []);
  return null;
}
