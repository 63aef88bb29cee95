import type { Metadata } from "next";
import { connection } from "next/server";
import "@/app/globals.css";
import { ThemeProvider } from "@/components/theme-provider";

export const metadata: Metadata = {
  title: { default: "EDI Transfer Portal", template: "%s · EDI Transfer Portal" },
  description: "Send claim files to your payers without fighting firewalls, keys or FTP clients.",
  // public/: the icon as SVG (browsers that read it), ICO (16, 32, 48 px) for the rest, and a PNG
  // for phones' home screens. proxy.ts lets them through without a session, for the sign-in page.
  icons: {
    icon: [
      { url: "/favicon.svg", type: "image/svg+xml" },
      { url: "/favicon.ico", sizes: "16x16 32x32 48x48" },
    ],
    apple: { url: "/apple-touch-icon.png", sizes: "180x180" },
  },
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Every page renders per request: each response carries its own CSP nonce (server.ts), which a
  // page prerendered at build time could not have, so its scripts would be blocked.
  await connection();
  return (
    // The theme script sets <html>'s class and color-scheme before React hydrates (components/theme-provider.tsx).
    <html lang="en" suppressHydrationWarning>
      <body className="min-h-screen">
        <ThemeProvider>
          <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2">
            Skip to content
          </a>
          {children}
        </ThemeProvider>
      </body>
    </html>
  );
}
