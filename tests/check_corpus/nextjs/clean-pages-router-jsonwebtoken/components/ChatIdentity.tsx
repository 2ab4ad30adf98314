import { useSession } from "next-auth/react";
import { useEffect } from "react";

export default function ChatIdentity() {
  const { status } = useSession();

  useEffect(() => {
    const widget = window.BestChatBot;
    if (!widget || status === "loading") return;
    if (status === "unauthenticated") {
      widget.clearUserToken();
      return;
    }
    fetch("/api/widget-token")
      .then((r) => r.json())
      .then((body) => (body.token ? widget.setUserToken(body.token) : widget.clearUserToken()));
  }, [status]);

  return null;
}
