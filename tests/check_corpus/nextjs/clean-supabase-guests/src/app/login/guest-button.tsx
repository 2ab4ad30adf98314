"use client";

import { createClient } from "@/lib/supabase/client";

export function GuestButton() {
  return (
    <button type="button" onClick={() => createClient().auth.signInAnonymously()}>
      Browse as a guest
    </button>
  );
}
