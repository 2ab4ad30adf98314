import Script from "next/script";

// A static marketing page: it loads the widget, but no visitor token is rendered into it.
export const revalidate = 600;

export default function Pricing() {
  return (
    <main>
      <h1>Pricing</h1>
      <Script
        src="https://widget.bestchatbot.io/widget/v1/chat.js"
        data-api-key={process.env.NEXT_PUBLIC_BESTCHATBOT_API_KEY}
      />
    </main>
  );
}
