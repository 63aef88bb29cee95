import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { exportPublicKey } from "@/lib/partner-keys/service";
import { currentActor } from "@/lib/auth/session";
import { NotFoundError } from "@/lib/errors";

const query = z.object({ format: z.enum(["openssh", "rfc4716", "pem"]).default("openssh") });

/** Public-key downloads (OpenSSH, RFC 4716 / SSH2, PEM) for the partner's own keys. */
export async function GET(request: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  const actor = await currentActor();
  if (!actor) return NextResponse.json({ error: "Sign in first." }, { status: 401 });
  const id = z.string().uuid().safeParse((await params).id);
  const parsed = query.safeParse(Object.fromEntries(request.nextUrl.searchParams));
  if (!id.success || !parsed.success) return NextResponse.json({ error: "Unknown key or format (use openssh, rfc4716 or pem)." }, { status: 400 });
  try {
    const file = await exportPublicKey(actor, id.data, parsed.data.format);
    return new NextResponse(file.content, {
      headers: {
        "content-type": "text/plain; charset=utf-8",
        "content-disposition": `attachment; filename="${file.filename}"`,
        "cache-control": "no-store",
      },
    });
  } catch (error) {
    if (error instanceof NotFoundError) return NextResponse.json({ error: "Key not found." }, { status: 404 });
    throw error;
  }
}
