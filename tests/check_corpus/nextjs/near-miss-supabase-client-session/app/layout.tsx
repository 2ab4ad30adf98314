import { ChatIdentity } from "@/components/chat-identity";

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        {children}
        <ChatIdentity />
        <script defer src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk_recipes"></script>
      </body>
    </html>
  );
}
