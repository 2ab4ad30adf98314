import Script from "next/script";
import { SessionProvider } from "next-auth/react";

import WidgetIdentity from "@/components/widget-identity";

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <SessionProvider>
          {children}
          <WidgetIdentity />
        </SessionProvider>
        <Script
          src="https://widget.bestchatbot.io/widget/v1/chat.js"
          data-api-key="pk_live_harbour"
          strategy="lazyOnload"
        />
      </body>
    </html>
  );
}
