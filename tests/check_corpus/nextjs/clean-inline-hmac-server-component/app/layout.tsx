import { ClerkProvider } from "@clerk/nextjs";
import { currentUser } from "@clerk/nextjs/server";
import Script from "next/script";

import { signChatToken } from "@/lib/jwt";

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  const user = await currentUser();
  const email = user?.primaryEmailAddress?.emailAddress?.toLowerCase();
  const token = user && email ? signChatToken({ email, name: user.fullName ?? undefined, user_id: user.id }) : null;

  return (
    <ClerkProvider>
      <html lang="en">
        <body>
          {children}
          <Script
            src="https://widget.bestchatbot.io/widget/v1/chat.js"
            data-api-key="pk_ledger"
            data-user-token={token ?? undefined}
          />
        </body>
      </html>
    </ClerkProvider>
  );
}
