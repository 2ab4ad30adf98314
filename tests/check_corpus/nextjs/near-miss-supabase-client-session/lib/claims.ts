import type { User } from "@supabase/supabase-js";

export const normalizeEmail = (raw: string) => raw.trim().toLowerCase();

export function widgetClaims(user: User | null) {
  if (!user?.email || user.is_anonymous) return null;
  return {
    email: normalizeEmail(user.email),
    user_id: user.id,
    name: user.user_metadata?.full_name as string | undefined,
  };
}
