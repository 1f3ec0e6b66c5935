package dev.turnout.plugins.vmess;

import dev.turnout.plugins.v2ray.http.DisguiseRefused;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.ByteToMessageCodec;
import io.netty.handler.codec.DecoderException;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import javax.crypto.Cipher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A VMess connection's body, after the request header has been sent: what is written goes out as masked,
 * sealed and padded chunks; what is read is first the AEAD response header, then chunks, opened and passed on.
 *
 * <p>In stream mode (TCP) a write may span many chunks; in packet mode (UDP) each write is one chunk and each
 * chunk read is one datagram. The server's end-of-stream chunk is passed on as an input shutdown (the relay
 * half-closes the application), and an empty write is sent as this side's end chunk; the connection ending
 * without the server's, or anything that fails to open, fails the
 * flow with an exception (the relay resets the application), so a cut-off answer never looks whole. Reads are
 * bounded: a chunk is at most 64 KiB, the response header too.
 */
final class VmessCodec extends ByteToMessageCodec<ByteBuf> {

    private static final Logger log = LoggerFactory.getLogger(VmessCodec.class);

    /**
     * Payload per chunk written: what v2ray's own client sends (its 8 KiB buffer less length, tag and the
     * largest padding), the size every server version reads.
     */
    static final int MAX_PAYLOAD = 8192 - 2 - 16 - 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private enum State { HEADER_LENGTH, HEADER, CHUNK_LENGTH, CHUNK, ENDED }

    private final VmessSession session;
    private final boolean packets;
    private final String server;
    private final ChunkAead sealer;
    private final ChunkAead opener;
    private final ChunkMask sendMask;
    private final ChunkMask receiveMask;
    private final byte[] paddingBytes = new byte[64];
    private State state = State.HEADER_LENGTH;
    /** Set when this side closes the connection: its end is then no news to report. */
    private boolean closing;
    /** The end-of-stream chunk has gone out: nothing may follow it. */
    private boolean sentEnd;
    private int expected;
    private int padding;

    /**
     * @param server how to name the server in messages
     */
    VmessCodec(VmessSession session, boolean packets, String server) {
        this.session = session;
        this.packets = packets;
        this.server = server;
        this.sealer = ChunkAead.sealing(session.security, session.requestKey, session.requestIv);
        this.opener = ChunkAead.opening(session.security, session.responseKey, session.responseIv);
        this.sendMask = new ChunkMask(session.requestIv);
        this.receiveMask = new ChunkMask(session.responseIv);
    }

    @Override
    protected void encode(ChannelHandlerContext ctx, ByteBuf msg, ByteBuf out) throws IOException {
        int n = msg.readableBytes();
        if (packets) {
            if (n > 0 && n <= 65535 - 16 - 64) {
                writeChunk(msg, n, out);
            }
            msg.skipBytes(msg.readableBytes());
            return;
        }
        if (sentEnd) {
            msg.skipBytes(n);
            return;
        }
        if (n == 0) {
            // The caller has nothing more to send (see Dialer: it writes an empty buffer before it half-closes
            // or closes): VMess says so with an empty chunk, without which v2ray takes the end for an error and
            // drops the answer still to come.
            writeChunk(msg, 0, out);
            sentEnd = true;
            return;
        }
        // Grown once to what all chunks need, rather than doubling from the encoder's small default.
        int chunks = (n + MAX_PAYLOAD - 1) / MAX_PAYLOAD;
        out.ensureWritable(n + chunks * (2 + 16 + 64));
        while (msg.isReadable()) {
            writeChunk(msg, Math.min(msg.readableBytes(), MAX_PAYLOAD), out);
        }
    }

    private void writeChunk(ByteBuf msg, int n, ByteBuf out) throws IOException {
        int pad = session.padding ? sendMask.nextPadding() : 0;
        int size = n + sealer.overhead() + pad;
        out.writeShort(size ^ sendMask.next());
        sealer.seal(msg.readSlice(n), out);
        if (pad > 0) {
            // Sent in the clear: from a secure generator, as v2ray does, so no generator state leaks.
            RANDOM.nextBytes(paddingBytes);
            out.writeBytes(paddingBytes, 0, pad);
        }
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
        // One step per call: the decoder passes on what a step produced before the next one runs.
        switch (state) {
            case HEADER_LENGTH -> {
                if (in.readableBytes() >= 18) {
                    expected = openHeader(in, 18, "AEAD Resp Header Len Key", "AEAD Resp Header Len IV", true);
                    state = State.HEADER;
                }
            }
            case HEADER -> {
                if (in.readableBytes() >= expected + 16) {
                    openHeader(in, expected + 16, "AEAD Resp Header Key", "AEAD Resp Header IV", false);
                    state = State.CHUNK_LENGTH;
                }
            }
            case CHUNK_LENGTH -> {
                if (in.readableBytes() >= 2) {
                    padding = session.padding ? receiveMask.nextPadding() : 0;
                    expected = in.readUnsignedShort() ^ receiveMask.next();
                    if (expected == opener.overhead() + padding) {
                        end(ctx, in);
                    } else if (expected < opener.overhead() + padding) {
                        throw new IOException("VMess server " + server + " sent a chunk of impossible length " + expected);
                    } else {
                        state = State.CHUNK;
                    }
                }
            }
            case CHUNK -> {
                if (in.readableBytes() >= expected) {
                    int sealed = expected - padding;
                    ByteBuf plain = ctx.alloc().buffer(sealed - opener.overhead());
                    try {
                        opener.open(in, sealed, plain);
                    } catch (IOException e) {
                        plain.release();
                        throw new IOException("VMess server " + server + ": " + e.getMessage(), e);
                    }
                    in.skipBytes(padding);
                    state = State.CHUNK_LENGTH;
                    if (plain.isReadable()) {
                        out.add(plain);
                    } else {
                        plain.release();
                    }
                }
            }
            case ENDED -> in.skipBytes(in.readableBytes());
        }
    }

    /** Opens one sealed part of the response header; returns the length it carries, or checks the header. */
    private int openHeader(ByteBuf in, int length, String keyPath, String ivPath, boolean isLength) throws IOException {
        byte[] sealed = new byte[length];
        in.readBytes(sealed);
        byte[] plain;
        try {
            plain = VmessSession.gcm(Cipher.DECRYPT_MODE, VmessKdf.kdf16(session.responseKey, VmessKdf.ascii(keyPath)),
                    Arrays.copyOf(VmessKdf.kdf(session.responseIv, VmessKdf.ascii(ivPath)), 12), null, sealed);
        } catch (GeneralSecurityException e) {
            throw new IOException("VMess server " + server + " sent a response header that does not open: not a"
                    + " VMess (AEAD) server, or a different protocol on that port", e);
        }
        if (isLength) {
            return ((plain[0] & 0xff) << 8) | (plain[1] & 0xff);
        }
        if (plain.length < 4 || plain[0] != session.responseCheck) {
            throw new IOException("VMess server " + server + " sent a response header for another request");
        }
        return 0;
    }

    private void end(ChannelHandlerContext ctx, ByteBuf in) {
        state = State.ENDED;
        in.skipBytes(in.readableBytes());
        ctx.fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof ChannelInputShutdownEvent) {
            if (state == State.ENDED) {
                // The socket's own end after the server's end chunk: already passed on.
                return;
            }
            fail(ctx);
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    public void close(ChannelHandlerContext ctx, io.netty.channel.ChannelPromise promise) throws Exception {
        closing = true;
        super.close(ctx, promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (state != State.ENDED && !closing) {
            fail(ctx);
        }
        super.channelInactive(ctx);
    }

    /** The connection ended without the server's end chunk: the answer may be cut off, so the flow fails. */
    private void fail(ChannelHandlerContext ctx) {
        IOException failure = new IOException(state == State.HEADER_LENGTH ? noAnswer("closed the connection")
                : "VMess server " + server + " closed the connection before the end of the stream");
        state = State.ENDED;
        log.warn(failure.getMessage());
        ctx.fireExceptionCaught(failure);
        ctx.close();
    }

    /** What a server that drops the request looks like, and what usually causes it. */
    private String noAnswer(String what) {
        return "VMess server " + server + " " + what + " without answering (wrong uuid, a clock more than 120 s"
                + " off, or the destination could not be reached)";
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable reported = cause;
        if (state == State.HEADER_LENGTH && !(cause instanceof DecoderException) && !(cause instanceof DisguiseRefused)) {
            // v2ray resets the connection of an unknown user: say what that usually means.
            reported = new IOException(noAnswer("reset the connection (" + cause.getMessage() + ")"), cause);
        }
        if (state != State.ENDED && !closing) {
            state = State.ENDED;
            log.warn("{}", reported instanceof DecoderException && reported.getCause() != null
                    ? reported.getCause().getMessage() : reported.getMessage());
        }
        ctx.fireExceptionCaught(reported);
        ctx.close();
    }
}
