import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "EDI Transfer Portal", template: "%s · EDI Transfer Portal" },
  description: "Send claim files to your payers without fighting firewalls, keys or FTP clients.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen">
        <a href="#main" className="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:rounded focus:bg-white focus:px-3 focus:py-2">
          Skip to content
        </a>
        {children}
      </body>
    </html>
  );
}
