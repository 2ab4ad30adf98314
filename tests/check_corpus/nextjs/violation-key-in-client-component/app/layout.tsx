import { ClerkProvider } from "@clerk/nextjs";
import Script from "next/script";

import { ChatIdentity } from "@/components/chat-identity";

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <ClerkProvider>
      <html lang="en">
        <body>
          {children}
          <ChatIdentity />
          <Script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk_tidy" />
        </body>
      </html>
    </ClerkProvider>
  );
}
