"use client";

import { useEffect } from "react";

import { supabase } from "@/lib/supabase";

// In the browser getSession() is fine: it only decides whether to ask the server.
async function refresh() {
  const {
    data: { session },
  } = await supabase.auth.getSession();
  if (!session) {
    window.BestChatBot?.clearUserToken();
    return;
  }
  const response = await fetch("/api/widget-token", {
    headers: { Authorization: `Bearer ${session.access_token}` },
  });
  const { token } = await response.json();
  if (token) window.BestChatBot?.setUserToken(token);
}

export function ChatIdentity() {
  useEffect(() => {
    refresh();
    const { data } = supabase.auth.onAuthStateChange(() => refresh());
    return () => data.subscription.unsubscribe();
  }, []);
  return null;
}
