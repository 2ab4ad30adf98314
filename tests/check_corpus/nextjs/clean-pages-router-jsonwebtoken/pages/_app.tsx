import { SessionProvider } from "next-auth/react";
import type { AppProps } from "next/app";
import Script from "next/script";

import ChatIdentity from "../components/ChatIdentity";

export default function App({ Component, pageProps: { session, ...pageProps } }: AppProps) {
  return (
    <SessionProvider session={session}>
      <Component {...pageProps} />
      <ChatIdentity />
      <Script src="https://widget.bestchatbot.io/widget/v1/chat.js" data-api-key="pk_parish" />
    </SessionProvider>
  );
}
