import "server-only";
import { randomFillSync } from "node:crypto";
import type net from "node:net";
import type { Client, SFTPWrapper } from "ssh2";
import { relayBuffers } from "@/lib/buffer-pool";

/**
 * SFTP WRITE requests built straight into reusable SSH packets.
 *
 * ssh2's `sftp.write` copies the data into a fresh request buffer, then `channelData` copies it
 * again into a fresh 32 KiB packet per CHANNEL_DATA, padded with fresh random bytes, and writes each
 * packet on its own: 256 MiB of short-lived buffers per 128 MiB sent, which V8 collects as
 * "external memory pressure" (a quarter of a relay's CPU, docs/engine-profile.md). Here all the
 * packets of one request are laid out back to back in one pooled buffer, exactly as ssh2 lays them
 * out (its own cipher sizes and pads them), filled from the caller's block in one copy, padded from
 * a pool of random bytes, encrypted by ssh2's cipher and written with one socket write; the buffer
 * goes back to the thread's pool when the socket is done with it. Requests are registered with ssh2, which
 * still parses the replies.
 *
 * Only whole requests go this way, when the channel's window takes all of one, ssh2 has nothing
 * queued and no key exchange is running; anything else goes through `sftp.write` in order, so the
 * channel never carries two requests interleaved. Written against ssh2 1.17's internals, checked
 * when the writer is made (`directWritesSupported`) and by test/sftp-direct-writes-sshd.test.ts.
 */

const CHANNEL_DATA = 94;
const SFTP_WRITE = 6;
/** ssh2's request id wraps the same way (SFTP.js MAX_REQID). */
const MAX_REQID = 2 ** 32 - 1;
/** uint32 length, byte type, uint32 id, uint32 handle length, handle, uint64 offset, uint32 data length. */
const WRITE_HEADER_BYTES = 4 + 1 + 4 + 4 + 8 + 4;
/** byte CHANNEL_DATA, uint32 recipient, uint32 data length. */
const CHANNEL_DATA_HEADER_BYTES = 1 + 4 + 4;

interface Ssh2Cipher {
  allocPacket(payloadLength: number): Buffer;
  encrypt(packet: Buffer): void;
  _onWrite: (data: Uint8Array) => void;
}
interface Ssh2Protocol {
  _cipher?: Ssh2Cipher;
  _kexinit?: unknown;
  _debug?: unknown;
  _packetRW?: { write?: { allocStart?: number; constructor: { name: string } } };
}
interface Ssh2SftpInternals {
  _protocol?: Ssh2Protocol;
  _requests?: Record<number, { cb?: (error?: Error) => void }>;
  _writeReqid?: number;
  _maxWriteLen?: number;
  _buffer?: unknown[];
  _waitWindow?: boolean;
  _chunkcb?: (() => void) | undefined;
  _debug?: unknown;
  outgoing?: { id: number; window: number; packetSize: number; state: string };
}

type WriteCallback = (error?: Error | null) => void;

export interface SftpWriteRequests {
  /**
   * Send one WRITE request; `callback` runs on the server's reply. `onCopied` runs once the data has
   * been copied out of `data` (at once through ssh2, when the request is sent on the direct way):
   * from then on the caller may reuse the buffer.
   */
  write(handle: Buffer, data: Buffer, offset: number, length: number, position: number, callback: WriteCallback, onCopied?: () => void): void;
  /** How many requests went each way: tests and the benchmark read these. */
  readonly counts: { direct: number; viaSsh2: number };
  /** Bytes of requests waiting for the channel's window, their data not yet copied. */
  readonly queuedBytes: number;
}

/** Whether this ssh2 has the internals the direct path uses; otherwise every write goes through ssh2. */
export function directWritesSupported(sftp: SFTPWrapper): boolean {
  const internals = sftp as unknown as Ssh2SftpInternals;
  const protocol = internals._protocol;
  const writer = protocol?._packetRW?.write;
  return Boolean(
    protocol &&
      typeof protocol._cipher?.allocPacket === "function" &&
      typeof protocol._cipher.encrypt === "function" &&
      // The uncompressed writer: packets start at byte 5 and finalize changes nothing.
      writer?.constructor.name === "PacketWriter" &&
      writer.allocStart === 5 &&
      internals._requests &&
      typeof internals._writeReqid === "number" &&
      typeof internals._maxWriteLen === "number" &&
      Array.isArray(internals._buffer) &&
      internals.outgoing &&
      typeof internals.outgoing.window === "number" &&
      typeof internals.outgoing.packetSize === "number",
  );
}

/**
 * ssh2 builds a debug line (and we parse it) for every packet while `debug` is set; the handshake
 * recorder needs them only until authentication, so a session stops them once it is ready.
 */
export function stopDebugLines(client: Client, sftp?: SFTPWrapper): void {
  const protocol = (client as unknown as { _protocol?: Ssh2Protocol })._protocol;
  if (protocol) protocol._debug = undefined;
  if (sftp) (sftp as unknown as Ssh2SftpInternals)._debug = undefined;
}

// Padding bytes come from one pool, each byte used once: ssh2 asks the CSPRNG for 4-19 bytes per
// packet (2.6 µs a call), a pool refilled 64 KiB at a time costs a copy.
const randomPool = Buffer.allocUnsafe(64 * 1024);
let randomAt = randomPool.length;
function copyRandom(target: Buffer, at: number, length: number): void {
  if (randomAt + length > randomPool.length) {
    randomFillSync(randomPool);
    randomAt = 0;
  }
  randomPool.copy(target, at, randomAt, randomAt + length);
  randomAt += length;
}

interface PacketLayout {
  /** The packet as ssh2's cipher sizes it: framing, payload, padding and room for the MAC or tag. */
  total: number;
  padLength: number;
  /** The first 5 bytes as ssh2 writes them: packet length, padding length. */
  head: Buffer;
}

interface PooledBuffer {
  buffer: Buffer;
  /** Writes of this buffer the socket has not finished. */
  pending: number;
}

interface QueuedWrite {
  handle: Buffer;
  data: Buffer;
  offset: number;
  length: number;
  position: number;
  callback: WriteCallback;
  onCopied?: () => void;
}

export function sftpWriteRequests(sftp: SFTPWrapper, socket: net.Socket): SftpWriteRequests {
  const counts = { direct: 0, viaSsh2: 0 };
  const viaSsh2 = (w: QueuedWrite) => {
    counts.viaSsh2++;
    // ssh2 copies the data into its request buffer before it returns.
    sftp.write(w.handle, w.data, w.offset, w.length, w.position, w.callback);
    w.onCopied?.();
  };
  if (!directWritesSupported(sftp)) return { counts, queuedBytes: 0, write: (...args) => viaSsh2(toQueued(...args)) };

  const internals = sftp as unknown as Required<Omit<Ssh2SftpInternals, "_chunkcb">> & Pick<Ssh2SftpInternals, "_chunkcb">;
  const protocol = internals._protocol;
  const outgoing = internals.outgoing;

  // Layouts depend on the cipher (a rekey replaces it) and the payload length (a few per upload).
  let layoutCipher: Ssh2Cipher | undefined;
  const layouts = new Map<number, PacketLayout>();
  const layoutFor = (cipher: Ssh2Cipher, payloadLength: number): PacketLayout => {
    if (cipher !== layoutCipher) {
      layoutCipher = cipher;
      layouts.clear();
    }
    let layout = layouts.get(payloadLength);
    if (!layout) {
      const sample = cipher.allocPacket(payloadLength);
      layout = { total: sample.length, padLength: sample[4], head: Buffer.from(sample.subarray(0, 5)) };
      layouts.set(payloadLength, layout);
    }
    return layout;
  };

  // Request buffers: every packet of one request laid out back to back in one buffer from the
  // thread's pool (lib/buffer-pool.ts), sized to the next 4 KiB. A buffer handed to the socket goes
  // back to the pool when the socket's callback for its last write runs (callbacks run in write
  // order, so one queue of owners serves every callback), and only then: until that callback the
  // socket may still be sending from it.
  const awaitingSocket: (PooledBuffer | undefined)[] = [];
  let awaitingHead = 0;
  const onSocketWrote = () => {
    const owner = awaitingSocket[awaitingHead];
    awaitingSocket[awaitingHead++] = undefined;
    if (awaitingHead > 1024 && awaitingHead * 2 > awaitingSocket.length) {
      awaitingSocket.splice(0, awaitingHead);
      awaitingHead = 0;
    }
    if (owner && --owner.pending === 0) relayBuffers.give(owner.buffer);
  };
  const acquire = (bytes: number): PooledBuffer => ({ buffer: relayBuffers.take(Math.ceil(bytes / 4096) * 4096), pending: 0 });

  // The cipher writes through `_onWrite` (ssh2's `if writable, socket.write`). While a request's
  // packets are encrypted, those writes come here: ssh2's native binding encrypts each packet in
  // place and writes the packet itself, so consecutive packets of our buffer become one region and
  // one socket write; anything else (node:crypto's fresh output) is written as it comes, in order.
  let current: PooledBuffer | undefined;
  let regionStart = 0;
  let regionEnd = 0;
  const writeRegion = () => {
    if (regionEnd === regionStart || !current) return;
    if (socket.writable && !socket.destroyed) {
      current.pending++;
      awaitingSocket.push(current);
      socket.write(current.buffer.subarray(regionStart, regionEnd), onSocketWrote);
    }
    regionStart = regionEnd;
  };
  const writeForCipher = (data: Uint8Array) => {
    if (current && data.buffer === current.buffer.buffer) {
      const at = data.byteOffset - current.buffer.byteOffset;
      if (at !== regionEnd) {
        writeRegion();
        regionStart = at;
      }
      regionEnd = at + data.byteLength;
      return;
    }
    writeRegion();
    if (socket.writable && !socket.destroyed) socket.write(data);
  };

  /** One WRITE request, split into CHANNEL_DATA packets as ssh2 splits it (window already checked). */
  const sendDirect = (w: QueuedWrite) => {
    const cipher = protocol._cipher!;
    const handleLength = w.handle.length;
    const headerLength = WRITE_HEADER_BYTES + handleLength;
    const messageLength = headerLength + w.length;
    const packetSize = outgoing.packetSize;
    const fullLayout = layoutFor(cipher, CHANNEL_DATA_HEADER_BYTES + Math.min(packetSize, messageLength));
    const lastChunk = messageLength % packetSize || Math.min(packetSize, messageLength);
    const lastLayout = layoutFor(cipher, CHANNEL_DATA_HEADER_BYTES + lastChunk);
    const packets = Math.ceil(messageLength / packetSize);
    const pooled = acquire((packets - 1) * fullLayout.total + lastLayout.total);
    const buffer = pooled.buffer;

    const reqid = (internals._writeReqid = (internals._writeReqid + 1) & MAX_REQID);
    const onReply = w.callback;
    internals._requests[reqid] = {
      cb: (error) => {
        inFlightBytes -= messageLength;
        onReply(error);
        flush();
      },
    };
    inFlightBytes += messageLength;
    counts.direct++;

    const original = cipher._onWrite;
    current = pooled;
    regionStart = regionEnd = 0;
    cipher._onWrite = writeForCipher;
    try {
      let at = 0;
      let dataFrom = w.offset;
      for (let packet = 0, sent = 0; packet < packets; packet++) {
        const chunk = Math.min(messageLength - sent, packetSize);
        const layout = chunk === packetSize ? fullLayout : lastLayout;
        layout.head.copy(buffer, at);
        buffer[at + 5] = CHANNEL_DATA;
        buffer.writeUInt32BE(outgoing.id, at + 6);
        buffer.writeUInt32BE(chunk, at + 10);
        let to = at + 5 + CHANNEL_DATA_HEADER_BYTES;
        let room = chunk;
        if (packet === 0) {
          // The request's own header opens the first packet (a handle is at most 256 bytes).
          buffer.writeUInt32BE(messageLength - 4, to);
          buffer[to + 4] = SFTP_WRITE;
          buffer.writeUInt32BE(reqid, to + 5);
          buffer.writeUInt32BE(handleLength, to + 9);
          w.handle.copy(buffer, to + 13);
          const p = to + 13 + handleLength;
          buffer.writeUInt32BE(Math.floor(w.position / 2 ** 32), p);
          buffer.writeUInt32BE(w.position >>> 0, p + 4);
          buffer.writeUInt32BE(w.length, p + 8);
          to += headerLength;
          room -= headerLength;
        }
        w.data.copy(buffer, to, dataFrom, dataFrom + room);
        dataFrom += room;
        copyRandom(buffer, at + 5 + CHANNEL_DATA_HEADER_BYTES + chunk, layout.padLength);
        cipher.encrypt(buffer.subarray(at, at + layout.total));
        outgoing.window -= chunk;
        sent += chunk;
        at += layout.total;
      }
      writeRegion();
    } finally {
      cipher._onWrite = original;
      current = undefined;
    }
    // Nothing went to the socket (it had closed), or the cipher wrote its own output buffers.
    if (pooled.pending === 0) relayBuffers.give(buffer);
    w.onCopied?.();
  };

  const queue: QueuedWrite[] = [];
  let queuedBytes = 0;
  let inFlightBytes = 0;
  const wake = () => {
    if (internals._chunkcb === wake) internals._chunkcb = undefined;
    flush();
  };
  const flush = () => {
    while (queue.length > 0) {
      const w = queue[0];
      const messageLength = WRITE_HEADER_BYTES + w.handle.length + w.length;
      const direct =
        w.length > 0 &&
        w.length <= internals._maxWriteLen &&
        outgoing.packetSize > WRITE_HEADER_BYTES + w.handle.length &&
        outgoing.state === "open" &&
        protocol._kexinit === undefined &&
        protocol._cipher !== undefined &&
        internals._buffer.length === 0;
      if (direct && outgoing.window >= messageLength) {
        queue.shift();
        queuedBytes -= w.length;
        sendDirect(w);
        continue;
      }
      // The window will reopen as the server takes what is in flight: wait for its adjust (or a
      // reply) rather than split a request. With nothing in flight it may never be big enough.
      // ssh2's queue is empty here, so its own drain callback, if set, has nothing left to do.
      if (direct && inFlightBytes > 0) {
        internals._waitWindow = true;
        internals._chunkcb = wake;
        return;
      }
      queue.shift();
      queuedBytes -= w.length;
      viaSsh2(w);
    }
  };

  return {
    counts,
    get queuedBytes() {
      return queuedBytes;
    },
    write(handle, data, offset, length, position, callback, onCopied) {
      queue.push({ handle, data, offset, length, position, callback, onCopied });
      queuedBytes += length;
      flush();
    },
  };
}

function toQueued(handle: Buffer, data: Buffer, offset: number, length: number, position: number, callback: WriteCallback, onCopied?: () => void): QueuedWrite {
  return { handle, data, offset, length, position, callback, onCopied };
}
