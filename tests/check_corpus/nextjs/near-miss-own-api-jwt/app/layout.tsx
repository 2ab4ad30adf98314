import { ClerkProvider } from "@clerk/nextjs";

import { ChatIdentity } from "@/components/chat-identity";

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <ClerkProvider>
      <html lang="en">
        <body>
          {children}
          <ChatIdentity />
        </body>
      </html>
    </ClerkProvider>
  );
}
