import { ThemeProvider as NextThemesProvider } from "next-themes";
import { pageNonce } from "@/lib/http/page-nonce";

/**
 * Light, dark or the system's setting (the default), stored in this browser. next-themes sets the
 * `dark` class on <html> with a small inline script before the page paints (no flash of the wrong
 * theme); the script carries this request's CSP nonce, or the policy would block it.
 * The dark palette itself lives in app/globals.css.
 */
export async function ThemeProvider({ children }: { children: React.ReactNode }) {
  const nonce = await pageNonce();
  return (
    <NextThemesProvider attribute="class" defaultTheme="system" enableSystem disableTransitionOnChange nonce={nonce}>
      {children}
    </NextThemesProvider>
  );
}
